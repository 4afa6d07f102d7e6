// Firefox's recorder window (see lib/recorder/window-host.ts for why a window). Wiring only.
import { browser } from 'wxt/browser';
import { startRecorderWindow } from '../../lib/recorder/recorder-window.ts';

startRecorderWindow({
  turnId: Number(new URLSearchParams(location.search).get('turn')),
  status: document.querySelector<HTMLElement>('#status'),
  stopButton: document.querySelector<HTMLButtonElement>('#stop'),
  body: document.body,
  closeSelf: async () => {
    const current = await browser.windows.getCurrent();
    if (current.id !== undefined) await browser.windows.remove(current.id);
  },
});
