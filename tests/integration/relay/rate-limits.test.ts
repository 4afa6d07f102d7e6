// Fair turn budgets: each PARLEY_TOKENS entry has its own turns per minute, and inside one token each
// session (client id) has its own share, so a flood spends only the flooder's budget.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CloseCode, ErrorCode } from '../../../protocol/index.ts';
import { startFakeOpenAI, type FakeOpenAI } from '../../fakes/fake-openai.ts';
import { startRelay, type RelayProcess } from '../../helpers/relay-process.ts';
import { connectClient, is, type TestClient } from '../../helpers/ws-client.ts';

const TOKEN_A = 'alice-kQ7vX2pL9mZr4TwY8bN3cF6hJ1dS5gK';
const TOKEN_B = 'bob-Wm3Rz8Qy1Lp6Vt4Xs9Kd2Hf7Gc5Nb0JaE';
const TURNS_PER_MINUTE = 6;
const TURNS_PER_MINUTE_PER_SESSION = 3;
let fake: FakeOpenAI;
let relay: RelayProcess;
const clients: TestClient[] = [];

async function session(token: string, clientId: string): Promise<TestClient> {
  const c = await connectClient(relay.wsUrl, { dialect: 'v1', token });
  clients.push(c);
  c.send({ type: 'setClientId', clientId });
  await c.waitFor(is('ok'));
  return c;
}

/** Sends turns one at a time until one is refused with RATE_LIMITED; returns how many were answered. */
async function floodUntilLimited(c: TestClient, max: number): Promise<number> {
  for (let turnId = 1; turnId <= max; turnId++) {
    c.send({ type: 'userText', turnId, text: `flood ${turnId}` });
    const end = await c.waitFor((f) => (f.type === 'textEnd' || f.type === 'error') && f.turnId === turnId);
    if (end.type === 'error') {
      expect(end.error.code).toBe(ErrorCode.RateLimited);
      expect(end.error.retryAfterMs).toBeGreaterThan(0);
      return turnId - 1;
    }
  }
  throw new Error(`no RATE_LIMITED after ${max} turns`);
}

beforeAll(async () => {
  fake = await startFakeOpenAI({ apiKey: 'sk-rate-test-key-0123456789', latency: { firstTokenMs: 0, perTokenMs: 1, sttMs: 1, ttsMs: 1 } });
  relay = await startRelay({
    fake,
    env: {
      PARLEY_TOKEN: TOKEN_A,
      PARLEY_TOKENS: TOKEN_B,
      PARLEY_SPEECH: '0',
      PARLEY_TURNS_PER_MINUTE: String(TURNS_PER_MINUTE),
      PARLEY_TURNS_PER_MINUTE_PER_SESSION: String(TURNS_PER_MINUTE_PER_SESSION),
    },
  });
});
afterAll(async () => {
  await Promise.all(clients.map((c) => c.close().catch(() => undefined)));
  await relay?.dispose();
  await fake?.close();
});

describe('turn budgets', () => {
  it('accepts every configured token and closes others with 4401', async () => {
    for (const token of [TOKEN_A, TOKEN_B]) {
      const c = await session(token, `auth-${token.slice(10, 13)}`);
      c.send({ type: 'ping', nonce: 7 });
      await c.waitFor(is('pong'));
    }
    for (const wrong of [`${TOKEN_B}x`, TOKEN_A.slice(1), `${TOKEN_A}${TOKEN_B}`]) {
      const intruder = await connectClient(relay.wsUrl, { dialect: 'v1', token: wrong });
      clients.push(intruder);
      expect((await intruder.waitForClose()).code).toBe(CloseCode.Unauthorized);
    }
  });

  it('lets token B carry on while token A is rate limited', async () => {
    // Token A's sessions together exhaust its budget: two sessions, each up to its share.
    const a1 = await session(TOKEN_A, 'alice-tab-1');
    const a2 = await session(TOKEN_A, 'alice-tab-2');
    const a3 = await session(TOKEN_A, 'alice-tab-3');
    expect(await floodUntilLimited(a1, 20)).toBe(TURNS_PER_MINUTE_PER_SESSION);
    expect(await floodUntilLimited(a2, 20)).toBe(TURNS_PER_MINUTE - TURNS_PER_MINUTE_PER_SESSION);
    // A fresh session of token A now finds the token's budget spent.
    a3.send({ type: 'userText', turnId: 1, text: 'too late' });
    const refused = await a3.waitFor(is('error', 1));
    expect(refused.error.code).toBe(ErrorCode.RateLimited);

    const b = await session(TOKEN_B, 'bob-phone');
    b.send({ type: 'userText', turnId: 1, text: 'bob question' });
    expect(await b.answer(1)).toContain('bob question');
  });

  it('lets a second session of the same token carry on while the first floods', async () => {
    const flooder = await session(TOKEN_B, 'bob-flooding-tab');
    const quiet = await session(TOKEN_B, 'bob-quiet-tab');
    expect(await floodUntilLimited(flooder, 20)).toBe(TURNS_PER_MINUTE_PER_SESSION);
    quiet.send({ type: 'userText', turnId: 1, text: 'quiet question' });
    expect(await quiet.answer(1)).toContain('quiet question');
  });
});
