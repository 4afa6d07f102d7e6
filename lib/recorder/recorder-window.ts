import { browser } from 'wxt/browser';
import { onMessage, sendMessage } from '../messages.ts';
import { createRecorderController } from './media-recorder.ts';
import { isFromBackground } from './offscreen-sender.ts';

/**
 * The page inside Firefox's recorder window: one window records exactly one
 * turn (its id is in the URL), with the same controller and slices as Chrome's
 * offscreen document. It shows that it records, lets the user stop from here
 * too, and closes itself once the end (or a failure) reached the background.
 */
export interface RecorderWindowOptions {
  turnId: number;
  status: HTMLElement | null;
  stopButton: HTMLButtonElement | null;
  body: HTMLElement;
  closeSelf: () => Promise<void>;
  log?: (message: string, error?: unknown) => void;
}

type WindowState = 'starting' | 'recording' | 'sending' | 'failed';

export function startRecorderWindow(options: RecorderWindowOptions): () => void {
  const { turnId, status, stopButton, body } = options;
  const log = options.log ?? ((message: string, error?: unknown) => console.warn(`[parley] ${message}`, error ?? ''));
  let state: WindowState = 'starting';
  let startedAt = 0;
  let ticker: ReturnType<typeof setInterval> | undefined;

  const render = (next: WindowState, text: string) => {
    state = next;
    body.dataset.state = next;
    if (status) status.textContent = text;
    if (stopButton) stopButton.disabled = next !== 'recording';
  };
  const elapsed = () => {
    const seconds = Math.floor((Date.now() - startedAt) / 1000);
    return `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, '0')}`;
  };
  const finish = async (deliver: Promise<void>) => {
    if (ticker !== undefined) clearInterval(ticker);
    await deliver.catch((error: unknown) => log('cannot reach the background with the recording', error));
    await options.closeSelf().catch((error: unknown) => log('cannot close the recorder window', error));
  };

  const recorder = createRecorderController(
    {
      chunk: (data) => sendMessage('recorderChunk', data),
      end: (data) => {
        render('sending', 'Sent.');
        return finish(sendMessage('recorderEnd', data));
      },
      error: (data) => {
        render('failed', data.message);
        return finish(sendMessage('recorderError', data));
      },
    },
    {
      getUserMedia: (constraints) => navigator.mediaDevices.getUserMedia(constraints),
      MediaRecorderImpl: MediaRecorder,
      microphonePermission: async () => (await navigator.permissions.query({ name: 'microphone' as PermissionName })).state,
    },
  );

  const removeStart = onMessage('recorderStart', async ({ data, sender }) => {
    if (!isFromBackground(sender, browser.runtime.id)) return { ok: false, code: 'FAILED', message: 'Refused a recorder request from outside Parley.' };
    if (data.turnId !== turnId) throw new Error(`this recorder window belongs to turn ${turnId}`);
    // One window, one turn: later starts are for newer windows.
    removeStart();
    const result = await recorder.start(turnId);
    if (!result.ok) {
      render('failed', result.message);
      void finish(Promise.resolve());
      return result;
    }
    startedAt = Date.now();
    render('recording', 'Recording 0:00');
    ticker = setInterval(() => render('recording', `Recording ${elapsed()}`), 500);
    return result;
  });
  const removeStop = onMessage('recorderStop', ({ data, sender }) => {
    if (!isFromBackground(sender, browser.runtime.id) || state !== 'recording') return;
    render('sending', 'Sending…');
    recorder.stop(data.discard);
    if (data.discard) void finish(Promise.resolve());
  });
  const onStopClick = () => {
    if (state !== 'recording') return;
    render('sending', 'Sending…');
    recorder.stop(false);
  };
  stopButton?.addEventListener('click', onStopClick);
  // Closing the window mid-recording loses the audio: say so in the chat instead of waiting forever.
  const onPageHide = () => {
    if (state !== 'recording') return;
    state = 'failed';
    recorder.stop(true);
    void sendMessage('recorderError', { turnId, code: 'FAILED', message: 'The Parley recorder window was closed, so that recording was discarded.' });
  };
  window.addEventListener('pagehide', onPageHide);

  return () => {
    removeStart();
    removeStop();
    stopButton?.removeEventListener('click', onStopClick);
    window.removeEventListener('pagehide', onPageHide);
    if (ticker !== undefined) clearInterval(ticker);
  };
}
