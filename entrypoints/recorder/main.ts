// Firefox's recorder window (see lib/recorder/window-host.ts for why a window): one push-to-talk
// recording, or with ?engine=1 conversation mode's voice engine. Wiring only.
import { browser } from 'wxt/browser';
import { onMessage, sendMessage } from '../../lib/messages.ts';
import { startEngineWindow } from '../../lib/recorder/engine-window.ts';
import { startRecorderWindow } from '../../lib/recorder/recorder-window.ts';
import { createEngineHost } from '../../lib/voice/engine-host.ts';
import { VAD_ASSET_PATH } from '../../lib/voice/mic-vad.ts';

const params = new URLSearchParams(location.search);
const status = document.querySelector<HTMLElement>('#status');
const stopButton = document.querySelector<HTMLButtonElement>('#stop');

if (params.get('engine') === '1') {
  const engine = startEngineWindow({
    messaging: { onMessage, sendMessage },
    runtimeId: browser.runtime.id,
    // The window's own origin is the extension's: the VAD's files are served from it.
    createHost: (deps) => createEngineHost({ ...deps, assetBase: new URL(VAD_ASSET_PATH, location.origin).href }),
    status,
    hint: document.querySelector<HTMLElement>('#hint'),
    stopButton,
    body: document.body,
    setTitle: (title) => (document.title = title),
  });
  // The microphone goes with the window; stopping first ends the engine's capture cleanly.
  window.addEventListener('pagehide', () => engine.dispose(), { once: true });
} else {
  startRecorderWindow({
    turnId: Number(params.get('turn')),
    status,
    stopButton,
    body: document.body,
    closeSelf: async () => {
      const current = await browser.windows.getCurrent();
      if (current.id !== undefined) await browser.windows.remove(current.id);
    },
  });
}
