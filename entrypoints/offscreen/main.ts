// Chrome offscreen document (reason USER_MEDIA): the service worker has no
// getUserMedia, so the recorder and the voice engine live here. Wiring only; see
// lib/recorder/ and lib/voice/.
import { browser } from 'wxt/browser';
import { onMessage, sendMessage } from '../../lib/messages.ts';
import { createRecorderController } from '../../lib/recorder/media-recorder.ts';
import { isFromBackground } from '../../lib/recorder/offscreen-sender.ts';
import { createEngineHost } from '../../lib/voice/engine-host.ts';
import { listenForEngine } from '../../lib/voice/engine-messages.ts';
import { VAD_ASSET_PATH } from '../../lib/voice/mic-vad.ts';

const recorder = createRecorderController(
  {
    chunk: (data) => sendMessage('recorderChunk', data),
    end: (data) => sendMessage('recorderEnd', data),
    error: (data) => sendMessage('recorderError', data),
  },
  {
    getUserMedia: (constraints) => navigator.mediaDevices.getUserMedia(constraints),
    MediaRecorderImpl: MediaRecorder,
    microphonePermission: async () =>
      (await navigator.permissions.query({ name: 'microphone' as PermissionName })).state,
  },
);

listenForEngine({
  messaging: { onMessage, sendMessage },
  runtimeId: browser.runtime.id,
  // This document's own origin is the extension's: the VAD's files are served from it.
  createHost: (deps) => createEngineHost({ ...deps, assetBase: new URL(VAD_ASSET_PATH, location.origin).href }),
});

const fromBackground = (sender: Parameters<typeof isFromBackground>[0]) => isFromBackground(sender, browser.runtime.id);

onMessage('recorderStart', ({ data, sender }) =>
  fromBackground(sender)
    ? recorder.start(data.turnId)
    : { ok: false, code: 'FAILED', message: 'Refused a recorder request from outside Parley.' },
);
onMessage('recorderStop', ({ data, sender }) => {
  if (fromBackground(sender)) recorder.stop(data.discard);
});
