// Chrome offscreen document (reason USER_MEDIA): the service worker has no
// getUserMedia, so the recorder and the voice engine live here. Wiring only; see
// lib/recorder/ and lib/voice/.
import { browser } from 'wxt/browser';
import { onMessage, sendMessage } from '../../lib/messages.ts';
import { createRecorderController } from '../../lib/recorder/media-recorder.ts';
import { isFromBackground } from '../../lib/recorder/offscreen-sender.ts';
import { createEngineHost } from '../../lib/voice/engine-host.ts';
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

const engine = createEngineHost({
  sink: {
    chunk: (data) => sendMessage('recorderChunk', data),
    end: (data) => sendMessage('recorderEnd', data),
  },
  beginTurn: () => sendMessage('engineBeginTurn', undefined),
  event: (event) => void sendMessage('engineEvent', event).catch(() => undefined),
  // This document's own origin is the extension's: the VAD's files are served from it.
  assetBase: new URL(VAD_ASSET_PATH, location.origin).href,
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
onMessage('engineStart', ({ data, sender }) =>
  fromBackground(sender) ? engine.start(data.silenceMs, data.echoCancellation) : { ok: false, code: 'FAILED', message: 'Refused a request from outside Parley.' },
);
onMessage('engineStop', ({ sender }) => {
  if (fromBackground(sender)) engine.stop();
});
onMessage('engineResume', ({ sender }) => (fromBackground(sender) ? engine.resume() : undefined));
onMessage('engineSpeak', ({ data, sender }) => {
  if (fromBackground(sender)) engine.speak(data.id, data.base64);
});
onMessage('engineAnswerEnded', ({ sender }) => {
  if (fromBackground(sender)) engine.answerEnded();
});
