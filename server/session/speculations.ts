// Speculative transcription (issue 11, docs/conversation-mode.md#speculative-transcription): while the
// user is silent but the client's end-of-turn silence has not run out yet, a parley.v1 client sends
// SpeechPaused(turnId, chunks) and the relay starts transcribing those first chunks at once. If AudioEnd
// then names the same pause (no speech since), the turn answers with that transcript instead of sending
// the whole clip after the silence: the transcription overlaps the wait. A later pause supersedes and
// aborts the earlier one; speech after a pause makes AudioEnd name none, and the whole clip is
// transcribed as before. A speculation's failure is never the client's business.
import type { TurnLogRecord } from '../log.ts';
import { webmDurationMs } from '../usage/webm-duration.ts';
import type { RelayContext } from './relay-context.ts';
import type { SessionKey } from './session-store.ts';
import { transcribeClip, type ClipTranscript } from './transcribe-clip.ts';

/** What a voice turn learns at AudioEnd about the speculations of its recording. */
export interface SpeculationOutcome {
  /** Speculative requests started for this recording. */
  requests: number;
  /** Audio (ms) of the started requests not used: superseded or aborted uploads may still be billed. */
  wastedMs: number;
  /** Their bytes, for the token's daily voice budget (the turn's own clip is spent at admission). */
  wastedBytes: number;
  /** The speculation AudioEnd named, still running or done. */
  match?: {
    /** Settles with the transcript, or undefined when the request failed or was aborted. */
    result: Promise<ClipTranscript | undefined>;
    /** The prefix's length, counted when the result cannot say (it failed). */
    audioMs: number;
    abort(): void;
  };
}

/** The speculations of a recording that never became a turn: all of them went upstream for nothing. */
export type WastedSpeculations = Omit<SpeculationOutcome, 'match'>;

/** Runs one speculative request; must reject only with the request's own error. */
export type Transcriber = (audio: Uint8Array, signal: AbortSignal) => Promise<ClipTranscript>;

interface Running {
  chunks: number;
  audioMs: number;
  bytes: number;
  controller: AbortController;
  result: Promise<ClipTranscript | undefined>;
}

/** One recording's speculations. */
export interface RecordingSpeculations {
  /** False when the cap is reached (the pause is then ignored: AudioEnd will not match it). */
  start(chunks: number, audio: Uint8Array): boolean;
  /** AudioEnd: hands the one named by `pause` (if it is the latest) to the turn and aborts the rest. */
  settle(pause: number | undefined): SpeculationOutcome;
  /** The recording was dropped (cancel, idle, close): aborts whatever runs; what every request started cost. */
  abort(): WastedSpeculations;
}

export function createRecordingSpeculations(max: number, transcribe: Transcriber): RecordingSpeculations {
  let latest: Running | undefined;
  let requests = 0;
  let wastedMs = 0;
  let wastedBytes = 0;

  const drop = () => {
    if (!latest) return;
    latest.controller.abort('superseded');
    wastedMs += latest.audioMs;
    wastedBytes += latest.bytes;
    latest = undefined;
  };

  return {
    start(chunks, audio) {
      if (requests >= max) return false;
      drop();
      requests++;
      const controller = new AbortController();
      const result = transcribe(audio, controller.signal).then(
        (transcript): ClipTranscript | undefined => transcript,
        // Why it failed does not matter: the whole clip is transcribed instead, and that request's
        // error (if it fails too) is the one the client sees.
        () => undefined,
      );
      // An unreadable prefix counts as nothing: the turn's own clip will say (or not) how long it was.
      latest = { chunks, audioMs: webmDurationMs(audio) ?? 0, bytes: audio.byteLength, controller, result };
      return true;
    },
    settle(pause) {
      const current = latest;
      if (current && pause !== undefined && current.chunks === pause) {
        latest = undefined;
        return {
          requests,
          wastedMs,
          wastedBytes,
          match: { result: current.result, audioMs: current.audioMs, abort: () => current.controller.abort('cancel') },
        };
      }
      drop();
      return { requests, wastedMs, wastedBytes };
    },
    abort() {
      drop();
      return { requests, wastedMs, wastedBytes };
    },
  };
}

/** A speculative request: the same transcription as the turn's own (model, language, streamed or not). */
export function speculativeTranscriber(ctx: Pick<RelayContext, 'store' | 'upstream' | 'defaults'>, key: SessionKey, mimeType: string): Transcriber {
  return async (audio, signal) => {
    const settings = (await ctx.store.load(key))?.settings ?? {};
    // A no-op listener still asks for the streamed request when the turn's would be streamed: the
    // speculation is then the very request the turn would have made; its words show with Transcript.
    const streamed = ctx.defaults.sttStream ? { onPartial: () => undefined } : {};
    return transcribeClip(ctx, { audio, mimeType, language: settings.language ?? ctx.defaults.language, signal, ...streamed });
  };
}

/**
 * The matching pause's transcript, or undefined to transcribe the whole clip: the speculation failed
 * (its error is not the turn's: the full transcription decides) or heard nothing. Every speculative
 * request counts in the turn's transcribed time, used or not: an aborted upload may still be billed.
 */
export async function useSpeculation(
  outcome: SpeculationOutcome,
  signal: AbortSignal,
  record: Pick<TurnLogRecord, 'sttSpeculations' | 'sttSpeculationUsed' | 'transcribedMs'>,
): Promise<ClipTranscript | undefined> {
  record.sttSpeculations = outcome.requests;
  record.transcribedMs = outcome.wastedMs;
  const match = outcome.match;
  if (!match) return undefined;
  // Cancel and barge-in abort the turn's signal; the speculation runs on its own and must stop too.
  const stop = () => match.abort();
  signal.addEventListener('abort', stop, { once: true });
  const transcript = await match.result.finally(() => signal.removeEventListener('abort', stop));
  signal.throwIfAborted();
  if (transcript === undefined || transcript.text === '') {
    record.transcribedMs = (record.transcribedMs ?? 0) + (transcript?.transcribedMs ?? match.audioMs);
    return undefined;
  }
  record.sttSpeculationUsed = true;
  return transcript;
}

