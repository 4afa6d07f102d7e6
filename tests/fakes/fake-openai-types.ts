// Public types of the fake OpenAI server (re-exported by fake-openai.ts) plus the
// context object its endpoint handlers share.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ChatMessageText } from './fake-answers.ts';

/** Milliseconds. `ttsMs` is spent once per speech request (the relay sends one per sentence). */
export interface FakeLatency {
  firstTokenMs: number;
  perTokenMs: number;
  /** Before a transcription's first piece of text (upload, audio encoding). */
  sttMs: number;
  /** Per piece (word) of transcript, as a model decodes: streamed pieces come this far apart, JSON after all of them. */
  sttPerTokenMs: number;
  ttsMs: number;
}

export type FakeFailure =
  /** Error JSON `{error:{message,type,param,code}}`, with retry-after-ms / retry-after headers when `retryAfterMs` is given. */
  | { kind: 'status'; status: number; code?: string | null; type?: string; message?: string; retryAfterMs?: number }
  /** Chat: role + some content deltas, then the socket is destroyed (no finish_reason, no [DONE]). Others: socket destroyed mid-response. */
  | { kind: 'cut' }
  /** Chat: content deltas then a clean end without finish_reason or [DONE]. Others: same as 'cut'. */
  | { kind: 'endWithoutFinish' }
  /** Chat: a `data: {"error":{...}}` event mid-stream, which makes the SDK throw. Others: same as 'cut'. */
  | { kind: 'midStreamError' }
  /** Accept the request, send headers (chat) or nothing (others), never answer until the client aborts. */
  | { kind: 'stall' };

export type FakeEndpoint = 'chat' | 'transcription' | 'speech';

export interface TranscriptionRequestBody {
  model: string;
  language?: string;
  prompt?: string;
  response_format?: string;
  /** "true" asks for server-sent events (gpt-4o transcribe models; whisper-1 ignores it). */
  stream?: string;
  /** `include[]` values, e.g. ["logprobs"]. */
  include?: string[];
  filename: string;
  contentType: string;
  bytes: number;
}

export interface RecordedRequest {
  id: number;
  endpoint: FakeEndpoint;
  path: string;
  authorized: boolean;
  /** Parsed JSON for chat/speech (undefined if it did not parse); a `TranscriptionRequestBody` for transcription. */
  body: unknown;
  /** performance.now() when the request arrived. */
  startedAt: number;
  /** performance.now() when the fake wrote its first response body byte (headers alone do not count). */
  firstByteAt?: number;
  endedAt?: number;
  /** The `usage` object the fake sent (chat with include_usage, non-streaming chat, transcription JSON). */
  usage?: Record<string, unknown>;
  /** Transcription: the text the fake answered with. */
  transcript?: string;
  /** 'aborted' = the client closed the request before the fake finished answering. */
  outcome: 'pending' | 'completed' | 'failed' | 'aborted';
}

export interface FakeOpenAIOptions {
  host?: string;
  port?: number;
  /** Expected Bearer key; anything else gets 401 invalid_api_key. */
  apiKey?: string;
  latency?: Partial<FakeLatency>;
  answer?: (messages: ChatMessageText[], model: string) => string;
  transcript?: (audio: { bytes: Uint8Array; filename: string; model: string; language?: string }) => string;
  /** Seconds whisper-1 reports as `usage: {type: 'duration', seconds}` (default 1). gpt-4o-* models report tokens instead. */
  transcriptionSeconds?: number;
  /**
   * Speech audio: a quiet tone whose length follows the input (default), or the input read by espeak-ng
   * (fake-voice.ts), for tests where the audio must sound like a voice (a voice activity detector hears it).
   */
  speechVoice?: 'tone' | 'espeak';
  /** Prefix answers with DEMO_PREFIX so nobody mistakes the demo for a real model. */
  demo?: boolean;
  /**
   * Stream token k at first token + k × perTokenMs (catching up after a late timer) instead of
   * perTokenMs after the previous one. With the default, one late timer delays every stream it holds
   * by the same amount and they tick together from then on; benchmarks of many streams use this so
   * the streams keep the phases their requests gave them (bench/README.md, scenario 1).
   */
  steadyTokens?: boolean;
  /**
   * Write a streamed answer's content deltas in one socket write, as an upstream that is ahead of a
   * busy reader delivers them: the relay reads them together (perTokenMs is ignored between them).
   */
  burstTokens?: boolean;
}

export interface FakeOpenAI {
  readonly baseURL: string;
  readonly port: number;
  readonly apiKey: string;
  readonly requests: RecordedRequest[];
  /** Queue a failure; queued failures are consumed in order by the next authorized requests to that endpoint. */
  failNext(endpoint: FakeEndpoint, failure: FakeFailure, times?: number): void;
  setLatency(latency: Partial<FakeLatency>): void;
  /**
   * Transcriptions answer with whichever of these phrases the upload holds (pocketsphinx, see
   * fake-recognizer.ts), or "" if it holds none of them whole; `undefined` restores `options.transcript`
   * or the default transcript. Rejects with a RecognizerError for a word the recogniser does not know.
   */
  setPhrases(phrases: readonly string[] | undefined): Promise<void>;
  /** Resolves with the first recorded request (past or future) matching the predicate; rejects after timeoutMs (default 5000). */
  waitForRequest(predicate: (r: RecordedRequest) => boolean, timeoutMs?: number): Promise<RecordedRequest>;
  /** Timestamp hook for benchmarks: called synchronously right before each chat content delta is written. */
  onDelta?: (requestId: number, text: string) => void;
  /** Clears requests and queued failures, restores the latency given at start. */
  reset(): void;
  close(): Promise<void>;
}

/** What every endpoint handler gets: the exchange, its record and the server's current settings. */
export interface HandlerContext {
  req: IncomingMessage;
  res: ServerResponse;
  record: RecordedRequest;
  latency: FakeLatency;
  failure: FakeFailure | undefined;
  /** Aborted when the client goes away before the response finished. */
  signal: AbortSignal;
  options: FakeOpenAIOptions;
  onDelta: ((requestId: number, text: string) => void) | undefined;
  /** Set while the test has registered phrases (FakeOpenAI.setPhrases): recognises the upload. */
  recognize: ((audio: Uint8Array, signal: AbortSignal) => Promise<string>) | undefined;
  /** Marks the record's first body byte; call right before the first write. */
  markFirstByte(): void;
  /** Settles the record once (later calls are ignored) and notifies waiters. */
  settle(outcome: 'completed' | 'failed'): void;
}
