// One transcription request for a voice turn's audio, shared by the turn itself and by a speculative
// transcription started on SpeechPaused (speculations.ts): same model, language and streaming mode, same
// accounting of the transcribed time.
import { webmDurationMs } from '../usage/webm-duration.ts';
import type { TurnDefaults, TurnUpstream } from './turn-services.ts';

export interface ClipTranscript {
  /** Trimmed; may be empty (no speech). */
  text: string;
  /** Audio sent for transcription: the upstream's billed duration, else the recording's own length (undefined: unreadable). */
  transcribedMs: number | undefined;
}

export interface ClipRequest {
  audio: Uint8Array;
  mimeType: string;
  /** The session's language, or the relay's default; empty = auto-detect. */
  language: string;
  signal: AbortSignal;
  /** Streams the transcription (PARLEY_STT_STREAM) and reports the text so far. */
  onPartial?: (textSoFar: string) => void;
}

export async function transcribeClip(deps: { upstream: TurnUpstream; defaults: TurnDefaults }, request: ClipRequest): Promise<ClipTranscript> {
  let billedSeconds: number | undefined;
  const text = await deps.upstream.transcribe({
    audio: request.audio,
    mimeType: request.mimeType,
    model: deps.defaults.sttModel,
    ...(request.language === '' ? {} : { language: request.language }),
    signal: request.signal,
    onUsage: (usage) => (billedSeconds = usage.seconds),
    ...(request.onPartial ? { onPartial: request.onPartial } : {}),
  });
  // Token-billed models report no duration; the recording's own timestamps then say how long it was.
  return { text: text.trim(), transcribedMs: billedSeconds !== undefined ? Math.round(billedSeconds * 1000) : webmDurationMs(request.audio) };
}
