import { bytesToBase64 } from '../background/base64.ts';
import { MIC_CONSTRAINTS } from '../voice/mic-constraints.ts';
import { MIC_MESSAGES, micError } from './mic-errors.ts';
import type { MicErrorCode } from '../messages.ts';
import type { RecorderSink, RecorderStartResult } from './recorder-host.ts';

/**
 * Records the microphone with MediaRecorder and hands each slice to the sink at
 * once, so audio reaches the relay while the user still speaks. Runs in any
 * context with a DOM: Chrome's offscreen document today, a Firefox host later.
 */
export const RECORDING_MIME_TYPE = 'audio/webm;codecs=opus';
/** 250 ms slices: the last slice after "stop" is short, so the answer starts sooner (issue 4). */
export const TIMESLICE_MS = 250;

export interface RecorderDeps {
  getUserMedia: (constraints: MediaStreamConstraints) => Promise<MediaStream>;
  MediaRecorderImpl: typeof MediaRecorder;
  /** 'granted' | 'denied' | 'prompt', or 'unknown' where the Permissions API cannot tell. */
  microphonePermission: () => Promise<string>;
  log?: (message: string, error?: unknown) => void;
}

export interface RecorderController {
  start(turnId: number): Promise<RecorderStartResult>;
  stop(discard: boolean): void;
}

interface Active {
  turnId: number;
  recorder: MediaRecorder;
  stream: MediaStream;
  discarded: boolean;
  /** Ends start()'s wait for MediaRecorder's start event (a no-op once it ended). */
  settleStart: (result: RecorderStartResult) => void;
}

/** A start() that has not got its microphone yet; stop() marks it so it records nothing. */
interface Opening {
  cancelled: boolean;
}

/** start()'s answer when stop() came first; the background has already moved on and drops it. */
export const CANCELLED_MESSAGE = 'The recording was stopped before the microphone started.';

export function createRecorderController(sink: RecorderSink, deps: RecorderDeps): RecorderController {
  const log = deps.log ?? ((message: string, error?: unknown) => console.warn(`[parley] ${message}`, error ?? ''));
  let active: Active | undefined;
  let opening: Opening | undefined;

  function stop(discard: boolean) {
    if (opening) opening.cancelled = true;
    const current = active;
    if (!current) return;
    active = undefined;
    current.settleStart({ ok: false, code: 'FAILED', message: CANCELLED_MESSAGE });
    if (discard) current.discarded = true;
    if (current.recorder.state !== 'inactive') current.recorder.stop();
    else for (const track of current.stream.getTracks()) track.stop();
  }

  async function openMicrophone(): Promise<{ ok: true; stream: MediaStream } | { ok: false; code: MicErrorCode; message: string }> {
    try {
      return { ok: true, stream: await deps.getUserMedia(MIC_CONSTRAINTS) };
    } catch (error) {
      const mapped = micError(error);
      if (mapped.code !== 'PERMISSION_DENIED') return { ok: false, ...mapped };
      // NotAllowedError although the user granted the mic: the OS or another app blocks it,
      // and a permission page would not help. Only a missing grant means "ask once".
      const state = await deps.microphonePermission().catch(() => 'unknown');
      if (state === 'granted') {
        return { ok: false, code: 'FAILED', message: 'The microphone is blocked by the operating system or in use by another app.' };
      }
      return { ok: false, code: 'PERMISSION_DENIED', message: MIC_MESSAGES.PERMISSION_DENIED };
    }
  }

  async function open(turnId: number, attempt: Opening): Promise<RecorderStartResult> {
    if (!deps.MediaRecorderImpl.isTypeSupported(RECORDING_MIME_TYPE)) {
      return { ok: false, code: 'UNSUPPORTED', message: MIC_MESSAGES.UNSUPPORTED };
    }
    const opened = await openMicrophone();
    if (!opened.ok) return { ok: false, code: opened.code, message: opened.message };
    const { stream } = opened;
    if (attempt.cancelled) {
      // Stopped while the microphone was opening: nothing was recorded, nothing may be.
      for (const track of stream.getTracks()) track.stop();
      return { ok: false, code: 'FAILED', message: CANCELLED_MESSAGE };
    }

    let recorder: MediaRecorder;
    try {
      recorder = new deps.MediaRecorderImpl(stream, { mimeType: RECORDING_MIME_TYPE });
    } catch (error) {
      for (const track of stream.getTracks()) track.stop();
      return { ok: false, ...micError(error) };
    }
    // "Recording" is reported only once MediaRecorder says it records (its start event): the panel
    // shows "Starting microphone…" until then, so the user does not speak into a recorder that is not
    // listening yet (issue 11, docs/conversation-mode.md, "Push-to-talk start"). An error or a stop
    // before that ends the wait too.
    let settleStart: (result: RecorderStartResult) => void = () => undefined;
    const started = new Promise<RecorderStartResult>((resolve) => {
      settleStart = resolve;
    });
    const current: Active = { turnId, recorder, stream, discarded: false, settleStart: (result) => settleStart(result) };
    active = current;
    let seq = 0;
    // Slices are read (async) and delivered strictly in order; the end goes after the last one.
    let delivery: Promise<void> = Promise.resolve();
    const deliver = (step: () => void | Promise<void>) => {
      delivery = delivery.then(step).catch((error: unknown) => log('cannot deliver recorded audio', error));
    };
    const fail = (code: 'DEVICE_LOST' | 'FAILED', detail?: string) => {
      if (current.discarded) return;
      if (active === current) active = undefined;
      current.discarded = true;
      if (recorder.state !== 'inactive') recorder.stop();
      for (const track of stream.getTracks()) track.stop();
      const message = MIC_MESSAGES[code] + (detail ? ` (${detail})` : '');
      current.settleStart({ ok: false, code, message });
      deliver(() => sink.error({ turnId, code, message }));
    };

    recorder.ondataavailable = (event) => {
      if (current.discarded || event.data.size === 0) return;
      const index = seq++;
      const blob = event.data;
      deliver(async () => {
        if (current.discarded) return;
        await sink.chunk({ turnId, seq: index, base64: bytesToBase64(new Uint8Array(await blob.arrayBuffer())) });
      });
    };
    recorder.onstop = () => {
      for (const track of stream.getTracks()) track.stop();
      deliver(() => (current.discarded ? undefined : sink.end({ turnId, chunks: seq })));
    };
    recorder.onerror = (event) => fail('FAILED', 'error' in event && event.error instanceof Error ? event.error.message : undefined);
    // An unplugged microphone ends the track: the partial recording is discarded and the user told.
    for (const track of stream.getAudioTracks()) track.addEventListener('ended', () => fail('DEVICE_LOST'), { once: true });

    recorder.onstart = () => settleStart({ ok: true });
    try {
      recorder.start(TIMESLICE_MS);
    } catch (error) {
      active = undefined;
      for (const track of stream.getTracks()) track.stop();
      return { ok: false, ...micError(error) };
    }
    return started;
  }

  return {
    async start(turnId) {
      stop(true);
      const attempt: Opening = { cancelled: false };
      opening = attempt;
      try {
        return await open(turnId, attempt);
      } finally {
        if (opening === attempt) opening = undefined;
      }
    },
    stop,
  };
}
