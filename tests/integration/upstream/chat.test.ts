import { afterEach, describe, expect, it } from 'vitest';
import { ErrorCode } from '../../../protocol/index.ts';
import type { FakeOpenAI } from '../../fakes/fake-openai.ts';
import { drain, messages, rejection, startUpstream } from './helpers.ts';

const ANSWER = 'The capital of France is Paris. It has been for a long time.';
let fake: FakeOpenAI | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

async function setup(...args: Parameters<typeof startUpstream>) {
  const started = await startUpstream({ answer: () => ANSWER, ...args[0] }, args[1]);
  fake = started.fake;
  return started;
}

const chat = (signal = new AbortController().signal) => ({ messages, model: 'gpt-4o-mini', signal });

describe('upstream chat', () => {
  it('streams the answer as several deltas with usage requested', async () => {
    const { fake, upstream } = await setup();
    const { deltas, error } = await drain(upstream.streamChat(chat()));
    expect(error).toBeUndefined();
    expect(deltas.length).toBeGreaterThan(1);
    expect(deltas.join('')).toBe(ANSWER);
    expect(fake.requests).toHaveLength(1);
    expect(fake.requests[0]?.body).toMatchObject({ model: 'gpt-4o-mini', stream: true, stream_options: { include_usage: true }, messages });
  });

  it('answers without streaming through complete()', async () => {
    const { upstream } = await setup();
    await expect(upstream.complete(chat())).resolves.toBe(ANSWER);
  });

  it('retries a 500 and then succeeds', async () => {
    const { fake, upstream } = await setup();
    fake.failNext('chat', { kind: 'status', status: 500 });
    const { deltas, error } = await drain(upstream.streamChat(chat()));
    expect(error).toBeUndefined();
    expect(deltas.join('')).toBe(ANSWER);
    expect(fake.requests.map((r) => r.outcome)).toEqual(['failed', 'completed']);
  });

  it('gives up after maxRetries with UPSTREAM_UNAVAILABLE', async () => {
    const { fake, upstream } = await setup({}, { maxRetries: 1 });
    fake.failNext('chat', { kind: 'status', status: 503 }, 3);
    const { error } = await drain(upstream.streamChat(chat()));
    expect(error?.info).toMatchObject({ code: ErrorCode.UpstreamUnavailable, retryable: true });
    expect(error?.status).toBe(503);
    expect(fake.requests).toHaveLength(2);
  });

  it('never retries insufficient_quota', async () => {
    const { fake, upstream } = await setup();
    fake.failNext('chat', { kind: 'status', status: 429, code: 'insufficient_quota', message: 'You exceeded your current quota.' });
    const { error } = await drain(upstream.streamChat(chat()));
    expect(error?.info).toMatchObject({ code: ErrorCode.UpstreamQuota, retryable: false });
    expect(fake.requests).toHaveLength(1);
  });

  it('waits for retry-after before retrying a rate limit', async () => {
    // A zero backoff base: any wait observed must come from the header.
    const { fake, upstream } = await setup({}, { retryBaseMs: 0 });
    fake.failNext('chat', { kind: 'status', status: 429, retryAfterMs: 150 });
    const { deltas } = await drain(upstream.streamChat(chat()));
    expect(deltas.join('')).toBe(ANSWER);
    const [first, second] = fake.requests;
    expect(second?.startedAt ?? 0).toBeGreaterThanOrEqual((first?.endedAt ?? Infinity) + 140);
  });

  it('does not retry when retry-after exceeds the cap, and passes the wait on', async () => {
    const { fake, upstream } = await setup();
    fake.failNext('chat', { kind: 'status', status: 429, retryAfterMs: 60_000 });
    const { error } = await drain(upstream.streamChat(chat()));
    expect(error?.info).toMatchObject({ code: ErrorCode.UpstreamRateLimited, retryable: true, retryAfterMs: 60_000 });
    expect(fake.requests).toHaveLength(1);
  });

  it.each(['cut', 'endWithoutFinish'] as const)('reports a %s stream as UPSTREAM_CUT without retrying delivered text', async (kind) => {
    const { fake, upstream } = await setup();
    fake.failNext('chat', { kind });
    const { deltas, error } = await drain(upstream.streamChat(chat()));
    expect(error?.info.code).toBe(ErrorCode.UpstreamCut);
    expect(ANSWER.startsWith(deltas.join(''))).toBe(true);
    expect(fake.requests).toHaveLength(1);
  });

  it('maps an error event inside the stream', async () => {
    const { fake, upstream } = await setup();
    fake.failNext('chat', { kind: 'midStreamError' });
    const { error } = await drain(upstream.streamChat(chat()));
    expect(error?.info).toMatchObject({ code: ErrorCode.UpstreamUnavailable, retryable: true });
  });

  it('abandons a stalled stream with UPSTREAM_TIMEOUT and closes the request', async () => {
    const { fake, upstream } = await setup({}, { timeoutMs: 300 });
    fake.failNext('chat', { kind: 'stall' });
    const { error } = await drain(upstream.streamChat(chat()));
    expect(error?.info).toMatchObject({ code: ErrorCode.UpstreamTimeout, retryable: true });
    await fake.waitForRequest((r) => r.outcome === 'aborted');
    expect(fake.requests).toHaveLength(1);
  });

  it('cancels mid-stream: CANCELLED, and OpenAI sees the request closed', async () => {
    const { fake, upstream } = await setup({ latency: { perTokenMs: 50 } });
    const turn = new AbortController();
    const { deltas, error } = await drain(upstream.streamChat(chat(turn.signal)), () => turn.abort());
    expect(deltas).toHaveLength(1);
    expect(error?.info.code).toBe(ErrorCode.Cancelled);
    await fake.waitForRequest((r) => r.outcome === 'aborted');
  });

  it('closes the request when the consumer stops reading', async () => {
    const { fake, upstream } = await setup({ latency: { perTokenMs: 50 } });
    for await (const delta of upstream.streamChat(chat())) {
      expect(delta).not.toBe('');
      break;
    }
    await fake.waitForRequest((r) => r.outcome === 'aborted');
  });

  it('cancels during a retry backoff without another request', async () => {
    const { fake, upstream } = await setup({}, { retryBaseMs: 60_000 });
    fake.failNext('chat', { kind: 'status', status: 500 });
    const turn = new AbortController();
    const pending = drain(upstream.streamChat(chat(turn.signal)));
    await fake.waitForRequest((r) => r.outcome === 'failed');
    turn.abort();
    const { error } = await pending;
    expect(error?.info.code).toBe(ErrorCode.Cancelled);
    expect(fake.requests).toHaveLength(1);
  });

  it('sends nothing when already cancelled', async () => {
    const { fake, upstream } = await setup();
    const { error } = await drain(upstream.streamChat(chat(AbortSignal.abort())));
    expect(error?.info.code).toBe(ErrorCode.Cancelled);
    expect(fake.requests).toHaveLength(0);
  });

  it('reports a refused key without echoing it, and does not retry', async () => {
    const key = 'sk-proj-relay-secret-0123456789abcdef';
    const { fake, upstream } = await setup({}, { apiKey: key });
    for (const error of [(await drain(upstream.streamChat(chat()))).error, await rejection(upstream.complete(chat()))]) {
      expect(error?.info).toMatchObject({ code: ErrorCode.UpstreamAuth, retryable: false });
      const visible = JSON.stringify(error?.info) + String(error?.message);
      expect(visible).not.toContain(key);
      expect(visible).not.toContain('cdef');
      expect(visible).not.toMatch(/sk-/);
    }
    expect(fake.requests).toHaveLength(2);
  });

  it('quotes a 404 reason with anything key-shaped removed', async () => {
    const { fake, upstream } = await setup();
    fake.failNext('chat', { kind: 'status', status: 404, message: 'The model `gpt-x` does not exist (key sk-abc***wxyz).' });
    const error = await rejection(upstream.complete(chat()));
    expect(error.info.code).toBe(ErrorCode.UpstreamBadRequest);
    expect(error.info.message).toContain('gpt-x');
    expect(error.info.message).not.toMatch(/sk-|wxyz/);
  });
});
