// The one seam a turn has to the outside world: the upstream (OpenAI or a compatible server). The
// composition root (server/relay.ts) passes the real one from server/openai; everything else a turn
// uses (sentence splitting, the speech pipeline, error mapping) is a plain import.
import type { UpstreamMessage } from './session.ts';

export type UpstreamStage = 'chat' | 'stt' | 'tts';

export interface TurnUpstream {
  /** `onUsage` receives the tokens the upstream reports at the end of the stream (not all servers do). */
  streamChat(request: {
    messages: UpstreamMessage[];
    model: string;
    signal: AbortSignal;
    onUsage?: (usage: { promptTokens: number; completionTokens: number }) => void;
  }): AsyncIterable<string>;
  /**
   * `onUsage` receives the seconds a duration-billed model (whisper-1) reports. With `onPartial` the
   * transcription is streamed and reports the text so far as it grows.
   */
  transcribe(request: {
    audio: Uint8Array;
    mimeType: string;
    model: string;
    language?: string;
    signal: AbortSignal;
    onUsage?: (usage: { seconds: number }) => void;
    onPartial?: (textSoFar: string) => void;
  }): Promise<string>;
  speak(request: { text: string; model: string; voice: string; speed?: number; format?: 'mp3'; signal: AbortSignal }): Promise<Uint8Array>;
}

export interface TurnDefaults {
  chatModel: string;
  sttModel: string;
  /** Stream transcripts to clients that show them (PARLEY_STT_STREAM resolved for sttModel). */
  sttStream?: boolean;
  ttsModel: string;
  voice: string;
  language: string;
  systemPrompt: string;
  historyMaxTurns: number;
  ttsConcurrency: number;
  /** Read-aloud paces its synthesis to stay about this much speech ahead of the listener. */
  readAloudLeadMs: number;
  /** 0 or absent = no cap (PARLEY_MAX_SPOKEN_SENTENCES). */
  maxSpokenSentences?: number;
  /** Speak answers on sessions whose settings do not say. */
  speech: boolean;
}
