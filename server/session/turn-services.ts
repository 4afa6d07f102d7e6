// What a turn needs from the outside world. index.ts wires the real upstream (server/openai,
// server/speech); keeping it an interface lets unit tests run turns without sockets.
import type { ErrorInfo } from '../../protocol/index.ts';
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
  /** `onUsage` receives the seconds a duration-billed model (whisper-1) reports. */
  transcribe(request: {
    audio: Uint8Array;
    mimeType: string;
    model: string;
    language?: string;
    signal: AbortSignal;
    onUsage?: (usage: { seconds: number }) => void;
  }): Promise<string>;
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
}
