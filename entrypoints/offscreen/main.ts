// Chrome offscreen document (reason USER_MEDIA): the service worker has no
// getUserMedia, so the recorder lives here. Wiring only; see lib/recorder/.
import { browser } from 'wxt/browser';
import { onMessage, sendMessage } from '../../lib/messages.ts';
import { createRecorderController } from '../../lib/recorder/media-recorder.ts';
import { isFromBackground } from '../../lib/recorder/offscreen-sender.ts';

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

onMessage('recorderStart', ({ data, sender }) =>
  isFromBackground(sender, browser.runtime.id)
    ? recorder.start(data.turnId)
    : { ok: false, code: 'FAILED', message: 'Refused a recorder request from outside Parley.' },
);
onMessage('recorderStop', ({ data, sender }) => {
  if (isFromBackground(sender, browser.runtime.id)) recorder.stop(data.discard);
});
