// @vitest-environment node
// The fake OpenAI's chat endpoint, auth and failure injection, driven by the real openai SDK.
import OpenAI, { APIConnectionError, APIError, APIUserAbortError, AuthenticationError, InternalServerError, RateLimitError } from 'openai';
import type { ChatCompletionChunk } from 'openai/resources/chat/completions';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_PREFIX, defaultAnswer, startFakeOpenAI, tokenize, type FakeOpenAI } from '../../fakes/fake-openai.ts';

const messages = [{ role: 'user' as const, content: 'What is the capital of France?' }];

let fake: FakeOpenAI;
let client: OpenAI;

beforeAll(async () => {
  fake = await startFakeOpenAI();
  client = new OpenAI({ apiKey: fake.apiKey, baseURL: fake.baseURL, maxRetries: 0 });
});
afterEach(() => {
  fake.onDelta = undefined;
  fake.reset();
});
afterAll(() => fake.close());

async function collect(stream: AsyncIterable<ChatCompletionChunk>): Promise<{ chunks: ChatCompletionChunk[]; error?: unknown }> {
  const chunks: ChatCompletionChunk[] = [];
  try {
    for await (const chunk of stream) chunks.push(chunk);
    return { chunks };
  } catch (error) {
    return { chunks, error };
  }
}

const contentOf = (chunks: ChatCompletionChunk[]): string => chunks.map((c) => c.choices[0]?.delta.content ?? '').join('');
const finishReasons = (chunks: ChatCompletionChunk[]): unknown[] => chunks.map((c) => c.choices[0]?.finish_reason).filter((r) => r != null);

describe('streaming chat', () => {
  it('streams role, one delta per token, finish_reason and a usage chunk', async () => {
    const stream = await client.chat.completions.create({ model: 'gpt-4o-mini', messages, stream: true, stream_options: { include_usage: true } });
    const { chunks, error } = await collect(stream);
    expect(error).toBeUndefined();
    const expected = defaultAnswer(messages);
    expect(expected.startsWith('The capital of France is Paris.')).toBe(true);
    expect(contentOf(chunks)).toBe(expected);
    expect(chunks[0]?.choices[0]?.delta.role).toBe('assistant');
    expect(chunks.filter((c) => (c.choices[0]?.delta.content ?? '') !== '').map((c) => c.choices[0]?.delta.content)).toEqual(tokenize(expected));
    expect(finishReasons(chunks)).toEqual(['stop']);
    const usageChunk = chunks.at(-1);
    expect(usageChunk?.choices).toEqual([]);
    expect(usageChunk?.usage?.completion_tokens).toBe(tokenize(expected).length);
    expect(usageChunk?.usage?.total_tokens).toBe((usageChunk?.usage?.prompt_tokens ?? 0) + (usageChunk?.usage?.completion_tokens ?? 0));
    expect(chunks.slice(0, -1).every((c) => c.usage === null && c.object === 'chat.completion.chunk' && c.model === 'gpt-4o-mini')).toBe(true);
    const record = await fake.waitForRequest((r) => r.outcome !== 'pending');
    expect(record).toMatchObject({ endpoint: 'chat', path: '/v1/chat/completions', authorized: true, outcome: 'completed' });
    expect(record.body).toMatchObject({ model: 'gpt-4o-mini', stream: true, messages });
    expect(record.firstByteAt).toBeGreaterThanOrEqual(record.startedAt);
  });

  it('omits usage without include_usage and quotes earlier turns', async () => {
    const conversation = [
      { role: 'system' as const, content: 'Be brief.' },
      { role: 'user' as const, content: 'First question' },
      { role: 'assistant' as const, content: 'First answer.' },
      { role: 'user' as const, content: 'Second question' },
    ];
    const { chunks } = await collect(await client.chat.completions.create({ model: 'gpt-4o-mini', messages: conversation, stream: true }));
    expect(chunks.every((c) => !('usage' in c))).toBe(true);
    const text = contentOf(chunks);
    expect(text).toBe(defaultAnswer(conversation));
    expect(text).toContain('You asked: "Second question".');
    expect(text).toContain('Earlier you asked: "First question".');
    expect(text).toContain('user turn 2');
  });

  it('calls onDelta right before each delta, in order', async () => {
    const seen: string[] = [];
    fake.onDelta = (_id, text) => seen.push(text);
    const { chunks } = await collect(await client.chat.completions.create({ model: 'm', messages, stream: true }));
    expect(seen.join('')).toBe(contentOf(chunks));
    expect(seen).toEqual(tokenize(defaultAnswer(messages)));
  });

  it('answers a non-streaming request with a chat.completion', async () => {
    const completion = await client.chat.completions.create({ model: 'gpt-4o-mini', messages });
    expect(completion.object).toBe('chat.completion');
    expect(completion.choices[0]?.message.content).toBe(defaultAnswer(messages));
    expect(completion.choices[0]?.finish_reason).toBe('stop');
  });

  it('uses a custom answer function and the demo prefix', async () => {
    const demo = await startFakeOpenAI({ demo: true, answer: (m, model) => `${model} heard ${m.length}.` });
    try {
      const demoClient = new OpenAI({ apiKey: demo.apiKey, baseURL: demo.baseURL, maxRetries: 0 });
      const { chunks } = await collect(await demoClient.chat.completions.create({ model: 'x-model', messages, stream: true }));
      expect(contentOf(chunks)).toBe(`${DEMO_PREFIX}x-model heard 1.`);
    } finally {
      await demo.close();
    }
  });

  it('rejects a request without messages with a 400', async () => {
    await expect(client.chat.completions.create({ model: 'm', messages: [] })).rejects.toMatchObject({ status: 400, type: 'invalid_request_error' });
  });
});

describe('auth', () => {
  it('refuses a wrong key with 401 invalid_api_key without echoing the key', async () => {
    const wrongKey = 'sk-wrong-secret-key-0123456789';
    const bad = new OpenAI({ apiKey: wrongKey, baseURL: fake.baseURL, maxRetries: 0 });
    const error: unknown = await bad.chat.completions.create({ model: 'm', messages }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AuthenticationError);
    expect(error).toMatchObject({ status: 401, code: 'invalid_api_key', type: 'invalid_request_error' });
    expect((error as Error).message).toContain('6789');
    expect((error as Error).message).not.toContain(wrongKey);
    expect(fake.requests[0]?.authorized).toBe(false);
  });

  it('refuses a missing key, and answers unknown paths with a 404 JSON error', async () => {
    const missing = await fetch(`${fake.baseURL}/chat/completions`, { method: 'POST', body: '{}' });
    expect(missing.status).toBe(401);
    expect(await missing.json()).toMatchObject({ error: { code: 'invalid_api_key', param: null } });
    const unknown = await fetch(`${fake.baseURL}/models/nope`, { headers: { authorization: `Bearer ${fake.apiKey}` } });
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toMatchObject({ error: { type: 'invalid_request_error' } });
  });
});

describe('injected failures', () => {
  const stream = (signal?: AbortSignal) =>
    client.chat.completions.create({ model: 'm', messages, stream: true }, signal === undefined ? {} : { signal });

  it('429 insufficient_quota', async () => {
    fake.failNext('chat', { kind: 'status', status: 429, code: 'insufficient_quota' });
    const error: unknown = await stream().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RateLimitError);
    expect(error).toMatchObject({ status: 429, code: 'insufficient_quota', type: 'insufficient_quota' });
  });

  it('429 with retry-after headers, consumed in order, then success', async () => {
    fake.failNext('chat', { kind: 'status', status: 429, retryAfterMs: 1500 }, 2);
    fake.failNext('chat', { kind: 'status', status: 500 });
    const first: unknown = await stream().catch((e: unknown) => e);
    expect(first).toMatchObject({ status: 429, code: 'rate_limit_exceeded' });
    expect((first as RateLimitError).headers?.get('retry-after-ms')).toBe('1500');
    expect((first as RateLimitError).headers?.get('retry-after')).toBe('2');
    await expect(stream()).rejects.toBeInstanceOf(RateLimitError);
    await expect(stream()).rejects.toBeInstanceOf(InternalServerError);
    const { error } = await collect(await stream());
    expect(error).toBeUndefined();
    expect(fake.requests.map((r) => r.outcome)).toEqual(['failed', 'failed', 'failed', 'completed']);
  });

  it('cut: some deltas, then the connection drops with no finish_reason', async () => {
    fake.failNext('chat', { kind: 'cut' });
    const { chunks, error } = await collect(await stream());
    // The SDK surfaces undici's own `TypeError: terminated` here, not an APIConnectionError.
    expect(error).toBeInstanceOf(TypeError);
    expect(error).not.toBeInstanceOf(APIConnectionError);
    expect(contentOf(chunks).length).toBeGreaterThan(0);
    expect(defaultAnswer(messages).startsWith(contentOf(chunks))).toBe(true);
    expect(contentOf(chunks)).not.toBe(defaultAnswer(messages));
    expect(finishReasons(chunks)).toEqual([]);
    expect((await fake.waitForRequest((r) => r.outcome !== 'pending')).outcome).toBe('failed');
  });

  it('endWithoutFinish: a clean end the SDK does not flag', async () => {
    fake.failNext('chat', { kind: 'endWithoutFinish' });
    const { chunks, error } = await collect(await stream());
    expect(error).toBeUndefined();
    expect(contentOf(chunks).length).toBeGreaterThan(0);
    expect(finishReasons(chunks)).toEqual([]);
  });

  it('midStreamError: the SDK throws an APIError mid-stream', async () => {
    fake.failNext('chat', { kind: 'midStreamError' });
    const { chunks, error } = await collect(await stream());
    expect(error).toBeInstanceOf(APIError);
    expect(contentOf(chunks).length).toBeGreaterThan(0);
  });

  it('stall: the request hangs until the client aborts, then is recorded as aborted', async () => {
    fake.failNext('chat', { kind: 'stall' });
    const controller = new AbortController();
    const pending = stream(controller.signal).then(collect);
    const record = await fake.waitForRequest((r) => r.endpoint === 'chat');
    expect(record.outcome).toBe('pending');
    controller.abort();
    const settled = await pending.catch((e: unknown) => ({ chunks: [], error: e }));
    expect(settled.error).toBeInstanceOf(APIUserAbortError);
    expect((await fake.waitForRequest((r) => r.id === record.id && r.outcome === 'aborted')).endedAt).toBeDefined();
  });

  it('an abort in the middle of a slow stream is recorded as aborted', async () => {
    fake.setLatency({ perTokenMs: 50 });
    const controller = new AbortController();
    const seen: string[] = [];
    fake.onDelta = (_id, text) => {
      seen.push(text);
      if (seen.length === 2) controller.abort();
    };
    const { chunks, error } = await collect(await stream(controller.signal));
    // The SDK's stream iterator ends quietly when its signal aborts mid-body.
    expect(error).toBeUndefined();
    expect(finishReasons(chunks)).toEqual([]);
    await fake.waitForRequest((r) => r.outcome === 'aborted');
    // The fake stopped writing once the client left.
    await new Promise((resolve) => setTimeout(resolve, 120));
    expect(seen.length).toBeLessThan(4);
  });
});
