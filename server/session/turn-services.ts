// What a turn needs from the outside world. index.ts wires the real upstream (server/openai,
// server/speech); keeping it an interface lets unit tests run turns without sockets.
import type { ErrorInfo } from '../../protocol/index.ts';
import type { UpstreamMessage } from './session.ts';

export type UpstreamStage = 'chat' | 'stt' | 'tts';

export interface TurnUpstream {
  streamChat(request: { messages: UpstreamMessage[]; model: string; signal: AbortSignal }): AsyncIterable<string>;
  transcribe(request: { audio: Uint8Array; mimeType: string; model: string; language?: string; signal: AbortSignal }): Promise<string>;
  speak(request: { text: string; model: string; voice: string; format?: 'mp3'; signal: AbortSignal }): Promise<Uint8Array>;
}

export interface SentenceSplitter {
  push(delta: string): string[];
  flush(): string[];
}

export interface SpeechPipeline {
  push(sentence: string): void;
  finish(): Promise<void>;
}

export interface SpeechPipelineOptions {
  speak: (sentence: string, signal: AbortSignal) => Promise<Uint8Array>;
  concurrency: number;
  signal: AbortSignal;
  onAudio: (index: number, sentence: string, audio: Uint8Array) => void;
  onError: (index: number, sentence: string, error: unknown) => void;
}

export interface TurnServices {
  upstream: TurnUpstream;
  /** Converts anything the upstream threw into a wire-safe ErrorInfo. */
  toErrorInfo(error: unknown, stage: UpstreamStage): ErrorInfo;
  createSentenceSplitter(locale?: string): SentenceSplitter;
  createSpeechPipeline(options: SpeechPipelineOptions): SpeechPipeline;
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
  /** 0 or absent = no cap (PARLEY_MAX_SPOKEN_SENTENCES). */
  maxSpokenSentences?: number;
}
