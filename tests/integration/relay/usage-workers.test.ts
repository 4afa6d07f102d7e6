// PARLEY_WORKERS=2 on Redis with an admin token: turns land on both workers, and whichever worker
// answers a scrape or a usage request reports them all (usage from Redis, metrics summed by the primary).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeOpenAI, type FakeOpenAI } from '../../fakes/fake-openai.ts';
import { sampleValue } from '../../helpers/prometheus-text.ts';
import { startRedisServer, type RedisServer } from '../../helpers/redis-server.ts';
import { startRelay, type RelayProcess } from '../../helpers/relay-process.ts';
import { connectClient, is } from '../../helpers/ws-client.ts';

const TOKEN = 'workers-usage-Qm7Xz2Lp9Vr4Tk8Wb3Nc6Hf1Jd5Sg0';
const ADMIN = 'admin-Ya8Rz3Lm6Vq1Xp9Tk4Wc7Nb2Hf5Jd0Sg';
const TURNS = 6;
let fake: FakeOpenAI;
let redis: RedisServer;
let relay: RelayProcess;

async function until<T>(what: string, probe: () => T | undefined, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const get = (path: string) => fetch(`${relay.httpUrl}${path}`, { headers: { Authorization: `Bearer ${ADMIN}`, Connection: 'close' } });

beforeAll(async () => {
  fake = await startFakeOpenAI({ apiKey: 'sk-usage-workers-key-0123456789', latency: { firstTokenMs: 0, perTokenMs: 0, sttMs: 1, ttsMs: 1 } });
  redis = await startRedisServer();
  relay = await startRelay({ fake, env: { PARLEY_TOKEN: TOKEN, PARLEY_ADMIN_TOKEN: ADMIN, PARLEY_SPEECH: '0', REDIS_URL: redis.url, PARLEY_WORKERS: '2' } });
  await until('two workers', () => (relay.jsonLogs().filter((l) => l.msg === 'worker listening').length >= 2 ? true : undefined));
  // A fresh connection per turn: node:cluster hands connections to the workers in turn.
  for (let turnId = 1; turnId <= TURNS; turnId++) {
    const c = await connectClient(relay.wsUrl, { dialect: 'v1', token: TOKEN });
    c.send({ type: 'setClientId', clientId: `tab-${turnId}` });
    await c.waitFor(is('ok'));
    c.send({ type: 'userText', turnId: 1, text: `question ${turnId}` });
    await c.answer(1);
    await c.close();
  }
  await until('every turn line', () => (relay.jsonLogs().filter((l) => l.msg === 'turn').length >= TURNS ? true : undefined));
}, 60_000);
afterAll(async () => {
  await relay?.dispose();
  await redis?.dispose();
  await fake?.close();
});

describe('usage and metrics under PARLEY_WORKERS=2', () => {
  it('ran the turns on both workers', () => {
    const workers = new Set(relay.jsonLogs().filter((l) => l.msg === 'turn').map((l) => l.worker));
    expect(workers.size).toBe(2);
  });

  it('reports every turn from whichever worker answers', async () => {
    const prompt = fake.requests.filter((r) => r.endpoint === 'chat').reduce((sum, r) => sum + Number(r.usage?.prompt_tokens), 0);
    // New connections go to the workers in turn, so four requests reach both.
    for (let i = 0; i < 4; i++) {
      const usage = (await (await get('/admin/usage?token=default')).json()) as { tokens: Array<{ total: { turns: number; promptTokens: number } }> };
      expect(usage.tokens[0]?.total).toMatchObject({ turns: TURNS, promptTokens: prompt });
      const metrics = await (await get('/metrics')).text();
      expect(sampleValue(metrics, 'parley_token_turns_total', { token: 'default' })).toBe(TURNS);
      expect(sampleValue(metrics, 'parley_token_prompt_tokens_total', { token: 'default' })).toBe(prompt);
      expect(sampleValue(metrics, 'parley_turns_total', { kind: 'text', transport: 'ws', outcome: 'ok' })).toBe(TURNS);
    }
  });
});
