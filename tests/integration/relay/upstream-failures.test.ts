// Upstream failures reach the client as coded errors; the user's message stays in history exactly
// once and a failed answer never does, so trying again just works.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ErrorCode } from '../../../protocol/index.ts';
import { startFakeOpenAI, type FakeOpenAI } from '../../fakes/fake-openai.ts';
import { startRelay, type RelayProcess } from '../../helpers/relay-process.ts';
import { connectClient, is, type TestClient } from '../../helpers/ws-client.ts';

let fake: FakeOpenAI;
let relay: RelayProcess;

beforeAll(async () => {
  fake = await startFakeOpenAI({ apiKey: 'sk-failure-test-key-0123456789' });
  relay = await startRelay({ fake, env: { PARLEY_SPEECH: '0', PARLEY_UPSTREAM_RETRY_BASE_MS: '10', PARLEY_UPSTREAM_TIMEOUT_MS: '1500' } });
});
beforeEach(() => fake.reset());
afterAll(async () => {
  await relay?.dispose();
  await fake?.close();
});

type Messages = Array<{ role: string; content: string }>;
const chatBodies = () => fake.requests.filter((r) => r.endpoint === 'chat').map((r) => (r.body as { messages: Messages }).messages);

async function session(id: string): Promise<TestClient> {
  const c = await connectClient(relay.wsUrl, { dialect: 'v1', token: relay.token });
  c.send({ type: 'setClientId', clientId: id });
  await c.waitFor(is('ok'));
  return c;
}

/** Fails turn 1 with `failure`, retries the same text as turn 2, and checks history on the retry. */
async function failThenRetry(id: string, setup: () => void, afterError?: () => Promise<void>): Promise<{ error: ErrorCodeInfo; c: TestClient }> {
  const c = await session(id);
  c.send({ type: 'userText', turnId: 1, text: 'hello there' });
  await c.answer(1);
  setup();
  c.send({ type: 'userText', turnId: 2, text: 'please answer' });
  const error = await c.waitFor(is('error', 2));
  await afterError?.();
  c.send({ type: 'userText', turnId: 3, text: 'please answer' });
  const answer = await c.answer(3);
  const history = chatBodies().at(-1)?.slice(2);
  expect(history).toEqual([
    { role: 'user', content: 'hello there' },
    { role: 'assistant', content: expect.stringContaining('hello there') },
    { role: 'user', content: 'please answer' },
  ]);
  expect(answer).toContain('Earlier you asked: "hello there"');
  return { error: error.error, c };
}
type ErrorCodeInfo = { code: string; message: string; retryable: boolean; retryAfterMs?: number };

describe('upstream failures', () => {
  it('quota (429 insufficient_quota): exactly one upstream request and a clear, non-retryable error', async () => {
    const { error, c } = await failThenRetry('quota', () =>
      fake.failNext('chat', { kind: 'status', status: 429, code: 'insufficient_quota', type: 'insufficient_quota' }),
    );
    expect(error.code).toBe(ErrorCode.UpstreamQuota);
    expect(error.retryable).toBe(false);
    expect(error.message.length).toBeGreaterThan(10);
    // Turn 1, the failed turn 2 (once, not retried), turn 3.
    expect(fake.requests.filter((r) => r.endpoint === 'chat')).toHaveLength(3);
    await c.close();
  });

  it('rate limit (429) with retry-after is retried, then reported with retryAfterMs', async () => {
    const { error, c } = await failThenRetry('ratelimit', () =>
      fake.failNext('chat', { kind: 'status', status: 429, code: 'rate_limit_exceeded', retryAfterMs: 20 }, 3),
    );
    expect(error.code).toBe(ErrorCode.UpstreamRateLimited);
    expect(error.retryable).toBe(true);
    expect(fake.requests.filter((r) => r.endpoint === 'chat')).toHaveLength(1 + 3 + 1);
    await c.close();
  });

  it('a 500 is retried and the turn succeeds', async () => {
    const c = await session('server-error');
    fake.failNext('chat', { kind: 'status', status: 500 }, 1);
    c.send({ type: 'userText', turnId: 1, text: 'are you there?' });
    expect(await c.answer(1)).toContain('are you there?');
    expect(fake.requests.filter((r) => r.endpoint === 'chat').map((r) => r.outcome)).toEqual(['failed', 'completed']);
    await c.close();
  });

  it('a stream cut midway gives UPSTREAM_CUT after partial text, and the retry has clean history', async () => {
    const { error, c } = await failThenRetry('cut', () => fake.failNext('chat', { kind: 'cut' }));
    expect(error.code).toBe(ErrorCode.UpstreamCut);
    expect(c.of('textChunk', 2).length).toBeGreaterThan(0);
    expect(c.of('textEnd', 2)).toEqual([]);
    await c.close();
  });

  it('a stream that ends without a finish reason is a cut too', async () => {
    const { error, c } = await failThenRetry('no-finish', () => fake.failNext('chat', { kind: 'endWithoutFinish' }));
    expect(error.code).toBe(ErrorCode.UpstreamCut);
    await c.close();
  });

  it('a stalled stream times out with UPSTREAM_TIMEOUT and the stalled request is closed', async () => {
    let stalled = 0;
    const { error, c } = await failThenRetry(
      'stall',
      () => fake.failNext('chat', { kind: 'stall' }, 5),
      async () => {
        await fake.waitForRequest((r) => r.outcome === 'aborted');
        stalled = fake.requests.filter((r) => r.outcome === 'aborted').length;
        expect(fake.requests.filter((r) => r.outcome === 'pending')).toEqual([]);
        // Drop the stalls the relay's retry policy did not use up.
        fake.reset();
      },
    );
    expect(error.code).toBe(ErrorCode.UpstreamTimeout);
    expect(stalled).toBeGreaterThan(0);
    await c.close();
  });

  it('a refused key becomes UPSTREAM_AUTH without echoing any key', async () => {
    const c = await session('bad-key');
    fake.failNext('chat', { kind: 'status', status: 401, code: 'invalid_api_key', message: `Incorrect API key provided: ${fake.apiKey}.` });
    c.send({ type: 'userText', turnId: 1, text: 'hi' });
    const error = await c.waitFor(is('error', 1));
    expect(error.error.code).toBe(ErrorCode.UpstreamAuth);
    expect(error.error.message).not.toContain(fake.apiKey);
    await c.close();
  });
});
