import type OpenAI from 'openai';
import { toFile } from 'openai';
import { audioFileName, baseMimeType } from './audio-file.ts';
import { withRetry, type RetryPolicy } from './retry.ts';
import { upstreamCut, UpstreamError } from './upstream-error.ts';
import { createWatchdog } from './watchdog.ts';

export interface StreamedTranscriptionRequest {
  audio: Uint8Array;
  mimeType: string;
  model: string;
  language?: string;
  signal: AbortSignal;
  /** The transcript so far, after every delta. A retried attempt starts again from its first delta. */
  onPartial: (textSoFar: string) => void;
}

export interface StreamContext {
  timeoutMs: number;
  policy: RetryPolicy;
  secrets: readonly string[];
}

/**
 * A transcription with `stream: true` (gpt-4o transcribe models): `transcript.text.delta` events,
 * then `transcript.text.done` with the whole text, which is what this returns (docs/conversation-mode.md).
 * Partials carry the text so far rather than the delta, so retrying an attempt that broke after some
 * deltas (same policy as an unstreamed transcription) only restarts what the user sees.
 * The watchdog is kicked by every event: a stream that goes silent fails with UPSTREAM_TIMEOUT, one that
 * ends without its done event with UPSTREAM_CUT; a socket cut mid-stream is UPSTREAM_UNAVAILABLE as
 * when an unstreamed answer is cut.
 * Token usage (the done event's `usage`) is not passed on: like an unstreamed gpt-4o transcription it
 * says nothing about the audio's length, which the turn measures from the recording itself.
 */
export function streamTranscription(client: OpenAI, req: StreamedTranscriptionRequest, ctx: StreamContext): Promise<string> {
  return withRetry(
    async () => {
      const watchdog = createWatchdog(req.signal, ctx.timeoutMs, 'stt', ctx.secrets);
      try {
        const type = baseMimeType(req.mimeType);
        const file = await toFile(req.audio, audioFileName(type), { type });
        const stream = await client.audio.transcriptions.create(
          { file, model: req.model, response_format: 'json', stream: true, ...(req.language ? { language: req.language } : {}) },
          { signal: watchdog.signal },
        );
        let soFar = '';
        let final: string | undefined;
        for await (const event of stream) {
          // Events already buffered when we aborted must not reach a cancelled turn.
          if (watchdog.signal.aborted) break;
          watchdog.kick();
          if (event.type === 'transcript.text.delta' && event.delta !== '') {
            soFar += event.delta;
            req.onPartial(soFar);
          } else if (event.type === 'transcript.text.done') {
            final = event.text;
          }
        }
        // The SDK ends iteration quietly when the request is aborted.
        if (req.signal.aborted || watchdog.signal.aborted) throw watchdog.classify(req.signal.reason);
        if (final === undefined) throw upstreamCut('stt');
        return final.trim();
      } catch (error) {
        throw error instanceof UpstreamError ? error : watchdog.classify(error);
      } finally {
        watchdog.dispose();
      }
    },
    { policy: ctx.policy, signal: req.signal, stage: 'stt' },
  );
}
