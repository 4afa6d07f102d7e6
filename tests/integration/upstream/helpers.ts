import { expect } from 'vitest';
import { startFakeOpenAI, type FakeOpenAI, type FakeOpenAIOptions } from '../../fakes/fake-openai.ts';
import { createUpstream, type Upstream, type UpstreamConfig } from '../../../server/openai/upstream.ts';
import { UpstreamError } from '../../../server/openai/upstream-error.ts';

export async function startUpstream(
  fakeOptions: FakeOpenAIOptions = {},
  config: Partial<Omit<UpstreamConfig, 'chat' | 'stt' | 'tts'>> & { apiKey?: string } = {},
): Promise<{ fake: FakeOpenAI; upstream: Upstream }> {
  const fake = await startFakeOpenAI(fakeOptions);
  const endpoint = { baseURL: fake.baseURL, apiKey: config.apiKey ?? fake.apiKey };
  const upstream = createUpstream({
    chat: endpoint,
    stt: endpoint,
    tts: endpoint,
    timeoutMs: config.timeoutMs ?? 5_000,
    maxRetries: config.maxRetries ?? 2,
    // Tiny backoff keeps retry tests fast; retry-after tests set their own.
    retryBaseMs: config.retryBaseMs ?? 5,
  });
  return { fake, upstream };
}

/** Consumes a chat stream; returns the deltas and the error it ended with, if any. */
export async function drain(stream: AsyncIterable<string>, onDelta?: (delta: string) => void): Promise<{ deltas: string[]; error?: UpstreamError }> {
  const deltas: string[] = [];
  try {
    for await (const delta of stream) {
      deltas.push(delta);
      onDelta?.(delta);
    }
    return { deltas };
  } catch (error) {
    expect(error).toBeInstanceOf(UpstreamError);
    return { deltas, error: error as UpstreamError };
  }
}

export async function rejection(promise: Promise<unknown>): Promise<UpstreamError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(UpstreamError);
  return error as UpstreamError;
}

export const messages = [
  { role: 'system' as const, content: 'You are terse.' },
  { role: 'user' as const, content: 'What is the capital of France?' },
];
