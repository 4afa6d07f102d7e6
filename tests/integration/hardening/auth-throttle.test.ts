// Issue 10: failed authentications per address, over WebSocket and HTTP alike, end in 429 +
// Retry-After at the door, with a block that doubles on repeat. Tests run on loopback, which is
// limited like any other address.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { CloseCode, PROTOCOL_V1, TOKEN_PROTOCOL_PREFIX } from '../../../protocol/index.ts';
import { startFakeOpenAI, type FakeOpenAI } from '../../fakes/fake-openai.ts';
import { startRelay, type RelayProcess } from '../../helpers/relay-process.ts';
import { connectClient, is } from '../../helpers/ws-client.ts';

const MAX_FAILURES = 3;
const BLOCK_SECONDS = 1;
let fake: FakeOpenAI;
let relay: RelayProcess;

/** The outcome of one upgrade: a close code after open, or the HTTP status and Retry-After of a refusal. */
function attempt(token: string): Promise<{ status: number; retryAfter?: number; close?: number }> {
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

const post = (token: string) =>
  fetch(`${relay.httpUrl}/api/message`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ id: 'throttle', message: 'hello' }),
  });

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

beforeAll(async () => {
  fake = await startFakeOpenAI({ latency: { firstTokenMs: 0, perTokenMs: 1, sttMs: 1, ttsMs: 1 } });
  relay = await startRelay({
    fake,
    env: {
      PARLEY_SPEECH: '0',
      PARLEY_AUTH_MAX_FAILURES: String(MAX_FAILURES),
      PARLEY_AUTH_BLOCK_SECONDS: String(BLOCK_SECONDS),
      PARLEY_AUTH_MAX_BLOCK_SECONDS: String(BLOCK_SECONDS * 2),
    },
  });
});
afterAll(async () => {
  await relay?.dispose();
  await fake?.close();
});

describe('failed authentications per address', () => {
  it('refuse the address with 429 + Retry-After on both listeners, back off on repeat, then let it in again', async () => {
    for (let i = 0; i < MAX_FAILURES; i++) expect(await attempt(`wrong-${i}`)).toEqual({ status: 101, close: CloseCode.Unauthorized });

    // Blocked at the door: even the right token waits, so guessing cannot continue between tries.
    expect(await attempt(relay.token)).toEqual({ status: 429, retryAfter: BLOCK_SECONDS });
    const blockedHttp = await post(relay.token);
    expect(blockedHttp.status).toBe(429);
    expect(blockedHttp.headers.get('retry-after')).toBe(String(BLOCK_SECONDS));
    expect(await blockedHttp.json()).toMatchObject({ code: 'RATE_LIMITED', retryable: true });
    expect(fake.requests).toEqual([]);

    await sleep(BLOCK_SECONDS * 1000 + 100);
    const client = await connectClient(relay.wsUrl, { dialect: 'v1', token: relay.token });
    client.send({ type: 'setClientId', clientId: 'after-block' });
    await client.waitFor(is('ok'));
    await client.close();

    // HTTP failures count too, and a second block in a row lasts twice as long.
    for (let i = 0; i < MAX_FAILURES; i++) expect((await post(`wrong-${i}`)).status).toBe(401);
    expect(await attempt(relay.token)).toEqual({ status: 429, retryAfter: BLOCK_SECONDS * 2 });
    expect(relay.jsonLogs().filter((l) => l.msg === 'address blocked after failed authentications')).toHaveLength(2);

    await sleep(BLOCK_SECONDS * 2000 + 100);
    const ok = await post(relay.token);
    expect(ok.status).toBe(200);
    expect(((await ok.json()) as { answer: string }).answer).toContain('hello');
  });
});
