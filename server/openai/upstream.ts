/**
 * The relay's only door to OpenAI (or any OpenAI-compatible server). Everything that leaves here
 * is either a result or an UpstreamError whose message is safe to show and never holds a key.
 */
import OpenAI, { toFile } from 'openai';
import { audioFileName, baseMimeType } from './audio-file.ts';
import { streamChat, type ChatUsage, type UpstreamChatMessage } from './chat-stream.ts';
import { DEFAULT_RETRY_BASE_MS, DEFAULT_RETRY_CAP_MS, withRetry, type RetryPolicy } from './retry.ts';
import { streamTranscription } from './transcription-stream.ts';
import { type UpstreamStage } from './upstream-error.ts';
import { createWatchdog } from './watchdog.ts';

export type { ChatUsage, UpstreamChatMessage } from './chat-stream.ts';

/** Audio the upstream billed by duration (whisper-1); token-billed models (gpt-4o-*-transcribe) report none. */
export interface TranscriptionUsage {
  seconds: number;
}

export interface EndpointConfig {
  baseURL: string;
  apiKey: string;
}

export interface UpstreamConfig {
  chat: EndpointConfig;
  stt: EndpointConfig;
  tts: EndpointConfig;
  /** Per request (SDK timeout); a stalled stream or body also fails with UPSTREAM_TIMEOUT after this idle time. */
  timeoutMs: number;
  /** Our retry policy's attempts after the first (0 = none). */
  maxRetries: number;
  /** Backoff base (default 500 ms), full jitter; retry-after(-ms) is honoured up to 20 s. */
  retryBaseMs?: number;
  /** max_completion_tokens on every chat request; undefined = the server's own limit. */
  maxCompletionTokens?: number;
}

export interface Upstream {
  /** Yields content deltas as they arrive. Throws UpstreamError. Retries only before the first delta was yielded. */
  streamChat(req: { messages: UpstreamChatMessage[]; model: string; signal: AbortSignal; onUsage?: (usage: ChatUsage) => void }): AsyncIterable<string>;
  /** Non-streaming completion (used by the v1 HTTP API); same error mapping. */
  complete(req: { messages: UpstreamChatMessage[]; model: string; signal: AbortSignal; onUsage?: (usage: ChatUsage) => void }): Promise<string>;
  /**
   * The transcript, trimmed. With `onPartial`, asks for a streamed transcription (`stream: true`, for
   * models that support it: the caller decides) and reports the text so far as it grows.
   */
  transcribe(req: {
    audio: Uint8Array;
    mimeType: string;
    model: string;
    language?: string;
    signal: AbortSignal;
    onUsage?: (usage: TranscriptionUsage) => void;
    onPartial?: (textSoFar: string) => void;
  }): Promise<string>;
  /** Returns encoded audio (mp3 by default). */
  speak(req: { text: string; model: string; voice: string; speed?: number; format?: 'mp3' | 'wav' | 'opus'; signal: AbortSignal }): Promise<Uint8Array>;
}

export function createUpstream(config: UpstreamConfig): Upstream {
  // The SDK's own retries are off: it would retry insufficient_quota 429s and cannot know whether
  // a chat delta already reached the user. Our policy (retry.ts) handles both.
  const client = (endpoint: EndpointConfig) =>
    new OpenAI({ apiKey: endpoint.apiKey, baseURL: endpoint.baseURL, timeout: config.timeoutMs, maxRetries: 0 });
  const chatClient = client(config.chat);
  const sttClient = client(config.stt);
  const ttsClient = client(config.tts);
  const secrets = [...new Set([config.chat.apiKey, config.stt.apiKey, config.tts.apiKey])];
  const policy: RetryPolicy = { maxRetries: config.maxRetries, baseMs: config.retryBaseMs ?? DEFAULT_RETRY_BASE_MS, capMs: DEFAULT_RETRY_CAP_MS };
  const answerCap = config.maxCompletionTokens === undefined ? {} : { max_completion_tokens: config.maxCompletionTokens };

  /** One guarded, retried request: the watchdog covers the body too, which the SDK timeout does not. */
  const request = <T>(stage: UpstreamStage, signal: AbortSignal, run: (signal: AbortSignal) => Promise<T>): Promise<T> =>
    withRetry(
      async () => {
        const watchdog = createWatchdog(signal, config.timeoutMs, stage, secrets);
        try {
          return await run(watchdog.signal);
        } catch (error) {
          throw watchdog.classify(error);
        } finally {
          watchdog.dispose();
        }
      },
      { policy, signal, stage },
    );

  return {
    streamChat: (req) => streamChat(chatClient, req, { timeoutMs: config.timeoutMs, policy, secrets, maxCompletionTokens: config.maxCompletionTokens }),

    complete: (req) =>
      request('chat', req.signal, async (signal) => {
        const completion = await chatClient.chat.completions.create({ model: req.model, messages: req.messages, ...answerCap }, { signal });
        if (completion.usage) req.onUsage?.({ promptTokens: completion.usage.prompt_tokens, completionTokens: completion.usage.completion_tokens });
        return completion.choices[0]?.message.content ?? '';
      }),

    transcribe: ({ onPartial, ...req }) =>
      onPartial
        ? streamTranscription(sttClient, { ...req, onPartial }, { timeoutMs: config.timeoutMs, policy, secrets })
        : request('stt', req.signal, async (signal) => {
            const type = baseMimeType(req.mimeType);
            const file = await toFile(req.audio, audioFileName(type), { type });
            const result = await sttClient.audio.transcriptions.create(
              { file, model: req.model, response_format: 'json', ...(req.language ? { language: req.language } : {}) },
              { signal },
            );
            if (result.usage?.type === 'duration') req.onUsage?.({ seconds: result.usage.seconds });
            return result.text.trim();
          }),

    speak: (req) =>
      request('tts', req.signal, async (signal) => {
        const response = await ttsClient.audio.speech.create(
          { model: req.model, voice: req.voice, input: req.text, response_format: req.format ?? 'mp3', ...(req.speed === undefined ? {} : { speed: req.speed }) },
          { signal },
        );
        return new Uint8Array(await response.arrayBuffer());
      }),
  };
}
