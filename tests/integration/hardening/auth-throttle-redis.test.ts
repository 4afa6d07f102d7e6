// Issue 10: with REDIS_URL, failed authentications are counted in Redis, so failures spread over
// several relay instances (or workers) add up and the block holds on all of them.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { CloseCode, PROTOCOL_V1, TOKEN_PROTOCOL_PREFIX } from '../../../protocol/index.ts';
import { startFakeOpenAI, type FakeOpenAI } from '../../fakes/fake-openai.ts';
import { startRedisServer, type RedisServer } from '../../helpers/redis-server.ts';
import { startRelay, type RelayProcess } from '../../helpers/relay-process.ts';

const OWNER_TOKEN = 'owner-Pz6vX2pL9mZr4TwY8bN3cF6hJ1dS5gK';
const MAX_FAILURES = 4;
let redis: RedisServer;
let fake: FakeOpenAI;
const relays: RelayProcess[] = [];

function attempt(relay: RelayProcess, token: string): Promise<{ status: number; retryAfter?: number; close?: number }> {
  const ws = new WebSocket(relay.wsUrl, [PROTOCOL_V1, `${TOKEN_PROTOCOL_PREFIX}${token}`]);
  return new Promise((resolve, reject) => {
    ws.once('unexpected-response', (req, res) => {
      req.destroy();
      resolve({ status: res.statusCode ?? 0, retryAfter: Number(res.headers['retry-after']) });
    });
    ws.once('open', () => ws.once('close', (code) => resolve({ status: 101, close: code })));
    ws.once('error', reject);
  });
}

beforeAll(async () => {
  redis = await startRedisServer();
  fake = await startFakeOpenAI();
  for (let i = 0; i < 2; i++)
    relays.push(
      await startRelay({
        fake,
        env: { REDIS_URL: redis.url, PARLEY_TOKEN: OWNER_TOKEN, PARLEY_AUTH_MAX_FAILURES: String(MAX_FAILURES), PARLEY_AUTH_BLOCK_SECONDS: '60' },
      }),
    );
});
afterAll(async () => {
  await Promise.all(relays.map((r) => r.dispose()));
  await fake?.close();
  await redis?.dispose();
});

describe('failed authentications in Redis', () => {
  it('add up across relays, and the block holds on every relay', async () => {
    const [first, second] = relays;
    if (!first || !second) throw new Error('no relays');
    // Half the failures on each relay: neither alone reaches the limit.
    for (let i = 0; i < MAX_FAILURES; i++)
      expect(await attempt(i % 2 === 0 ? first : second, `wrong-${i}`)).toEqual({ status: 101, close: CloseCode.Unauthorized });
    for (const relay of relays) expect(await attempt(relay, OWNER_TOKEN)).toEqual({ status: 429, retryAfter: 60 });
    const http = await fetch(`${second.httpUrl}/api/message`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${OWNER_TOKEN}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ id: 'blocked', message: 'hello' }),
    });
    expect(http.status).toBe(429);
    expect(fake.requests).toEqual([]);
  });
});
