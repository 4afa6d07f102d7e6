// PARLEY_WORKERS=2: two relay processes behind the same ports (node:cluster), state in Redis. A
// conversation alternates between workers without losing context, a killed worker is replaced,
// and the relay refuses to start with workers but no REDIS_URL.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeOpenAI, type FakeOpenAI, type RecordedRequest } from '../../fakes/fake-openai.ts';
import { startRedisServer, type RedisServer } from '../../helpers/redis-server.ts';
import { startRelay, type RelayProcess } from '../../helpers/relay-process.ts';
import { connectClient, is, type TestClient } from '../../helpers/ws-client.ts';

const TOKEN = 'workers-Rk5nW9pT2xM7qH3vL8bD1sG6jF4cZ0yA';
let fake: FakeOpenAI;
let redis: RedisServer;
let relay: RelayProcess;
const clients: TestClient[] = [];

type ChatBody = { messages: Array<{ role: string; content: string }> };

const workerLines = () => relay.jsonLogs().filter((l) => l.msg === 'worker listening');

async function until<T>(what: string, probe: () => T | undefined, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** One turn on a fresh connection (cluster hands connections to workers in turn); returns the worker that answered. */
async function askOnNewConnection(clientId: string, text: string): Promise<number> {
  const c = await connectClient(relay.wsUrl, { dialect: 'v1', token: TOKEN });
  clients.push(c);
  c.send({ type: 'setClientId', clientId });
  await c.waitFor(is('ok'));
  c.send({ type: 'userText', turnId: 1, text });
  await c.answer(1);
  await c.close();
  const line = await until('the turn line', () => relay.jsonLogs().findLast((l) => l.msg === 'turn'));
  return Number(line.worker);
}

beforeAll(async () => {
  fake = await startFakeOpenAI({ apiKey: 'sk-workers-test-key-0123456789', latency: { firstTokenMs: 0, perTokenMs: 0, sttMs: 1, ttsMs: 1 } });
  redis = await startRedisServer();
  relay = await startRelay({ fake, env: { PARLEY_TOKEN: TOKEN, PARLEY_SPEECH: '0', REDIS_URL: redis.url, PARLEY_WORKERS: '2' } });
  await until('two workers', () => (workerLines().length >= 2 ? true : undefined));
}, 60_000);
afterAll(async () => {
  await Promise.all(clients.map((c) => c.close().catch(() => undefined)));
  await relay?.dispose();
  await redis?.dispose();
  await fake?.close();
});

describe('PARLEY_WORKERS=2', () => {
  it('prints one listening line and serves one conversation from both workers with full context', async () => {
    expect(relay.jsonLogs().filter((l) => l.msg === 'listening')).toHaveLength(1);
    // The primary's start-up check quits its Redis connection on purpose: that is not an outage.
    expect(relay.jsonLogs().filter((l) => l.msg === 'redis unavailable')).toEqual([]);
    const workers = new Set<number>();
    for (let turn = 1; turn <= 4; turn++) workers.add(await askOnNewConnection('alternating', `question number ${turn}`));
    expect([...workers].sort()).toEqual([1, 2]);
    const last = fake.requests.filter((r: RecordedRequest) => r.endpoint === 'chat').at(-1)?.body as ChatBody;
    expect(last.messages.filter((m) => m.role === 'user').map((m) => m.content)).toEqual([
      'question number 1',
      'question number 2',
      'question number 3',
      'question number 4',
    ]);
  });

  it('replaces a worker that dies, and the conversation carries on', async () => {
    const victim = Number(workerLines()[0]?.pid);
    process.kill(victim, 'SIGKILL');
    await until('the replacement worker', () => (workerLines().length >= 3 ? true : undefined));
    expect(relay.jsonLogs().some((l) => l.msg === 'worker died' && l.pid === victim)).toBe(true);
    await askOnNewConnection('alternating', 'after the worker died');
    await askOnNewConnection('alternating', 'and once more');
    const last = fake.requests.filter((r) => r.endpoint === 'chat').at(-1)?.body as ChatBody;
    expect(last.messages.filter((m) => m.role === 'user')).toHaveLength(6);
  });

  it('stops every worker on SIGTERM and exits 0', async () => {
    expect(await relay.stop('SIGTERM')).toEqual({ code: 0, signal: null });
    // Both live workers drained, then the primary (its line has no `worker`) said so last.
    const stopped = relay.jsonLogs().filter((l) => l.msg === 'stopped');
    expect(stopped.filter((l) => l.worker !== undefined)).toHaveLength(2);
    expect(stopped.at(-1)).toMatchObject({ workers: 2 });
    expect(stopped.at(-1)?.worker).toBeUndefined();
  });

  it('refuses to start with PARLEY_WORKERS=2 and no REDIS_URL, saying what to set', async () => {
    const failed = await startRelay({ fake, env: { PARLEY_TOKEN: TOKEN, PARLEY_WORKERS: '2' } }).then(
      () => undefined,
      (error: unknown) => String(error),
    );
    expect(failed).toMatch(/exited \(code 1/);
    expect(failed).toMatch(/PARLEY_WORKERS=2 needs REDIS_URL/);
  });
});
