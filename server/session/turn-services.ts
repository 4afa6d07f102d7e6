// The one seam a turn has to the outside world: the upstream (OpenAI or a compatible server). The
// composition root (server/relay.ts) passes the real one from server/openai; everything else a turn
// uses (sentence splitting, the speech pipeline, error mapping) is a plain import.
import type { UpstreamMessage } from './session.ts';

export type UpstreamStage = 'chat' | 'stt' | 'tts';

export interface TurnUpstream {
  streamChat(request: { messages: UpstreamMessage[]; model: string; signal: AbortSignal }): AsyncIterable<string>;
  transcribe(request: { audio: Uint8Array; mimeType: string; model: string; language?: string; signal: AbortSignal }): Promise<string>;
  speak(request: { text: string; model: string; voice: string; speed?: number; format?: 'mp3'; signal: AbortSignal }): Promise<Uint8Array>;
}

export interface TurnDefaults {
  chatModel: string;
  sttModel: string;
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
