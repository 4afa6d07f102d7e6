// The real TurnServices: OpenAI (or a compatible server) through server/openai, speech through server/speech.
import type { RelayConfig } from '../config.ts';
import { createUpstream } from '../openai/upstream.ts';
import { toUpstreamError } from '../openai/upstream-error.ts';
import { createSentenceSplitter } from '../speech/sentence-splitter.ts';
import { createSpeechPipeline } from '../speech/speech-pipeline.ts';
import type { TurnServices } from './turn-services.ts';

export function createUpstreamServices(config: RelayConfig): TurnServices {
  const secrets = [config.chat.apiKey, config.stt.apiKey, config.tts.apiKey];
  return {
    upstream: createUpstream({
      chat: config.chat,
      stt: config.stt,
      tts: config.tts,
      timeoutMs: config.upstream.timeoutMs,
      maxRetries: config.upstream.retries,
      retryBaseMs: config.upstream.retryBaseMs,
      ...(config.answer.maxCompletionTokens === 0 ? {} : { maxCompletionTokens: config.answer.maxCompletionTokens }),
    }),
    toErrorInfo: (error, stage) => toUpstreamError(error, stage, secrets).info,
    createSentenceSplitter,
    createSpeechPipeline,
  };
}
