// The recordings one connection is collecting (UserAudioChunk … UserAudioEnd): a growing buffer per
// turn id with its idle timer, the speculative transcriptions SpeechPaused started, and the turn ids
// refused part-way, whose later chunks are dropped silently until AudioEnd. The connection decides
// whether a new recording may start (it counts these as turns); this module does the rest.
import type { ErrorInfo } from '../../protocol/index.ts';
import { createRecordingBuffer, type RecordingBuffer } from './recording-buffer.ts';
import type { RelayContext } from './relay-context.ts';
import type { SessionKey } from './session-store.ts';
import { createRecordingSpeculations, speculativeTranscriber, type RecordingSpeculations, type SpeculationOutcome } from './speculations.ts';
import { TurnErrors } from './turn-errors.ts';

/** MediaRecorder's output in the extension; the original design sends webm/opus too. */
export const VOICE_MIME_TYPE = 'audio/webm';

/** What AudioEnd hands the turn: the whole clip (possibly empty) and what its speculations became. */
export interface EndedRecording {
  audio: Uint8Array;
  speculation?: SpeculationOutcome;
}

export interface Recordings {
  /** Recordings being collected (each counts as a turn toward the connection's limits). */
  readonly size: number;
  has(turnId: number): boolean;
  /**
   * Adds a chunk; `refuse` says why a new recording may not start. Returns the error to send, if any;
   * a refused recording's later chunks are then dropped without one.
   */
  chunk(turnId: number, data: Uint8Array, refuse: () => ErrorInfo | undefined): Promise<ErrorInfo | undefined>;
  /** SpeechPaused: starts transcribing the first `chunks` chunks (parley.v1). Returns the error to send, if any. */
  pause(turnId: number, chunks: number, session: SessionKey): ErrorInfo | undefined;
  /** AudioEnd: the recording, 'refused' when it was refused part-way (already answered), undefined when there is none. */
  end(turnId: number, pause: number | undefined): EndedRecording | 'refused' | undefined;
  /** Cancel or Interrupt: forgets the recording or the refused id; true if there was either. */
  cancel(turnId: number): boolean;
  /** The socket closed: drops every recording and aborts its speculations. */
  dispose(): void;
}

interface Collecting {
  audio: RecordingBuffer;
  /** Discards the recording when no chunk arrives for limits.recordingIdleMs. */
  idle: ReturnType<typeof setTimeout>;
  /** Transcriptions started on SpeechPaused (parley.v1), created with the first one. */
  speculations?: RecordingSpeculations;
}

/** `onIdle` sends the error of a recording discarded for silence (RECORDING_IDLE). */
export function createRecordings(ctx: RelayContext, tokenId: string, onIdle: (turnId: number, error: ErrorInfo) => void): Recordings {
  const collecting = new Map<number, Collecting>();
  const refused = new Set<number>();
  let disposed = false;

  /**
   * Speculative uploads that did not become the turn's transcript still went upstream: they count in the
   * token's daily voice budget (the turn's own clip is spent at admission). Never holds a frame up; a
   * store outage only loses this increment.
   */
  const spendWasted = (bytes: number) => {
    if (bytes <= 0 || ctx.limits.audioBytesPerDay <= 0) return;
    ctx.audioBudget.spend(tokenId, bytes).catch((error: unknown) => ctx.logger.warn('audio budget unavailable', { error: String(error) }));
  };
  /** Forgets a recording (and its idle timer), aborting its speculations, which count as spent; true if there was one. */
  const drop = (turnId: number): boolean => {
    const recording = collecting.get(turnId);
    if (!recording) return false;
    clearTimeout(recording.idle);
    if (recording.speculations) {
      const wasted = recording.speculations.abort();
      spendWasted(wasted.wastedBytes);
      if (wasted.requests > 0) ctx.observer.speculationsWasted(tokenId, { requests: wasted.requests, transcribedMs: wasted.wastedMs });
    }
    return collecting.delete(turnId);
  };
  const open = (turnId: number): Collecting => {
    const idle = setTimeout(() => {
      if (!drop(turnId)) return;
      refused.add(turnId);
      onIdle(turnId, TurnErrors.recordingIdle(Math.round(ctx.limits.recordingIdleMs / 1000)));
    }, ctx.limits.recordingIdleMs);
    idle.unref();
    const recording: Collecting = { audio: createRecordingBuffer(ctx.limits.maxAudioBytes), idle };
    collecting.set(turnId, recording);
    return recording;
  };

  return {
    get size() {
      return collecting.size;
    },
    has: (turnId) => collecting.has(turnId),
    async chunk(turnId, data, refuse) {
      if (refused.has(turnId)) return undefined;
      let recording = collecting.get(turnId);
      if (!recording) {
        const refusal = refuse();
        if (refusal) {
          refused.add(turnId);
          return refusal;
        }
        // Refused at the first chunk when today's voice budget is already spent, not after the upload.
        if ((await ctx.audioBudget.remaining(tokenId, ctx.limits.audioBytesPerDay)) === 0) {
          refused.add(turnId);
          return TurnErrors.audioBudgetExceeded(ctx.audioBudget.renewsInMs());
        }
        // The socket may have closed while the store answered.
        if (disposed) return undefined;
        recording = open(turnId);
      }
      recording.idle.refresh();
      if (recording.audio.bytes + data.byteLength > ctx.limits.maxAudioBytes) {
        drop(turnId);
        refused.add(turnId);
        return TurnErrors.audioTooLarge(ctx.limits.maxAudioBytes);
      }
      // Copied in: the frame buffer may be reused by ws once this handler returns.
      recording.audio.append(data);
      return undefined;
    },
    pause(turnId, chunks, session) {
      // Off (PARLEY_STT_SPECULATIVE), or the recording was refused or already ended: nothing to speculate
      // on, and AudioEnd's pause will match nothing, so the whole clip is transcribed as usual.
      const recording = collecting.get(turnId);
      if (ctx.limits.maxSpeculations === 0 || !recording) return undefined;
      if (chunks > recording.audio.chunks) return TurnErrors.pauseBeyondAudio(turnId, chunks, recording.audio.chunks);
      recording.speculations ??= createRecordingSpeculations(ctx.limits.maxSpeculations, speculativeTranscriber(ctx, session, VOICE_MIME_TYPE));
      recording.speculations.start(chunks, recording.audio.audio(chunks));
      return undefined;
    },
    end(turnId, pause) {
      if (refused.delete(turnId)) return 'refused';
      const recording = collecting.get(turnId);
      if (!recording) return undefined;
      const speculation = recording.speculations?.settle(pause);
      // Settled: drop() must not abort the speculation AudioEnd named, nor count the others twice.
      recording.speculations = undefined;
      if (speculation) spendWasted(speculation.wastedBytes);
      drop(turnId);
      return { audio: recording.audio.audio(), ...(speculation ? { speculation } : {}) };
    },
    cancel: (turnId) => drop(turnId) || refused.delete(turnId),
    dispose() {
      disposed = true;
      for (const turnId of [...collecting.keys()]) drop(turnId);
      refused.clear();
    },
  };
}
