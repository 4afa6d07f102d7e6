// Auth and abuse (part of `npm test`): refusals happen at the door before any upstream request,
// no client input can point the relay at another host, the key never leaves it, and floods are
// limited while well-behaved neighbours carry on.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClientFrame, CloseCode, ErrorCode } from '../../../protocol/index.ts';
import { startFakeOpenAI, type FakeOpenAI } from '../../fakes/fake-openai.ts';
import { startRelay, type RelayProcess } from '../../helpers/relay-process.ts';
import { connectClient, is, type TestClient } from '../../helpers/ws-client.ts';

const KEY = 'sk-proj-ABUSEabuseABUSEabuse0123456789xyzXYZ';
const TURNS_PER_MINUTE = 12;
/** One session's share of the token's budget: a flooding session leaves the rest to the others. */
const TURNS_PER_MINUTE_PER_SESSION = 6;
const MAX_CONNECTIONS = 30;
let fake: FakeOpenAI;
let relay: RelayProcess;
let canary: Server;
let canaryHits = 0;
let canaryUrl = '';
const clients: TestClient[] = [];

const track = async (pending: Promise<TestClient>) => {
  const client = await pending;
  clients.push(client);
  return client;
};

beforeAll(async () => {
  // A server nobody should ever reach: every attempt to redirect the relay names it.
  canary = createServer((_req, res) => {
    canaryHits++;
    res.end('{}');
  });
  await new Promise<void>((resolve) => canary.listen(0, '127.0.0.1', resolve));
  canaryUrl = `http://127.0.0.1:${(canary.address() as AddressInfo).port}`;
  fake = await startFakeOpenAI({ apiKey: KEY, latency: { firstTokenMs: 0, perTokenMs: 5, sttMs: 5, ttsMs: 5 } });
  relay = await startRelay({
    fake,
    env: {
      PARLEY_SPEECH: '0',
      PARLEY_TURNS_PER_MINUTE: String(TURNS_PER_MINUTE),
      PARLEY_TURNS_PER_MINUTE_PER_SESSION: String(TURNS_PER_MINUTE_PER_SESSION),
      PARLEY_MAX_CONNECTIONS: String(MAX_CONNECTIONS),
      PARLEY_UPSTREAM_RETRIES: '0',
      PARLEY_LOG_TEXT: '1',
      // Every wrong token below must reach the 4401 path; the failed-auth throttle has its own test.
      PARLEY_AUTH_MAX_FAILURES: '1000',
    },
  });
});
afterAll(async () => {
  await Promise.all(clients.map((c) => c.close().catch(() => undefined)));
  await relay?.dispose();
  await fake?.close();
  canary?.close();
});

describe('refused at the door', () => {
  it('refuses every wrong token and web origin before any upstream request', async () => {
    const tokens = [undefined, '', 'x', `${relay.token}x`, relay.token.slice(1), relay.token.toUpperCase(), `${relay.token} `, 'a'.repeat(10_000)];
    for (const token of tokens) {
      for (const dialect of ['v1', 'legacy'] as const) {
        // A space is not allowed in a subprotocol entry, so that one travels in the query.
        const tokenInQuery = token?.includes(' ') ?? false;
        const client = await track(connectClient(relay.wsUrl, { dialect, tokenInQuery, ...(token === undefined ? {} : { token }) }));
        client.send({ type: 'setClientId', clientId: 'intruder' });
        client.send({ type: 'userText', turnId: dialect === 'v1' ? 1 : 0, text: 'spend tokens' });
        expect((await client.waitForClose()).code).toBe(CloseCode.Unauthorized);
        expect(client.raw).toEqual([]);
      }
    }
    for (const origin of ['https://evil.example', 'http://localhost:3000', 'null', 'chrome-extension-evil://x', 'https://chrome-extension.example']) {
      await expect(connectClient(relay.wsUrl, { dialect: 'v1', token: relay.token, origin })).rejects.toThrow(/HTTP 403/);
    }
    const http = await fetch(`${relay.httpUrl}/api/message`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${relay.token}x`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ id: 'intruder', message: 'spend tokens' }),
    });
    expect(http.status).toBe(401);
    expect(fake.requests).toEqual([]);
  });
});

describe('upstream host', () => {
  it('cannot be changed by settings, resume or message content', async () => {
    const client = await track(connectClient(relay.wsUrl, { dialect: 'v1', token: relay.token }));
    client.send({ type: 'setClientId', clientId: 'redirect' });
    await client.waitFor(is('ok'));
    const encoder = new TextEncoder();
    for (const key of ['baseURL', 'baseUrl', 'base_url', 'host', 'url', 'endpoint', 'apiKey', 'OPENAI_BASE_URL', '__proto__']) {
      const before = client.frames.length;
      client.sendRaw(new Uint8Array([ClientFrame.Settings, ...encoder.encode(`{"${key}":"${canaryUrl}/v1"}`)]));
      const reply = await client.waitFor((f) => client.frames.indexOf(f) >= before && (f.type === 'error' || f.type === 'ok'));
      expect(reply.type === 'error' && reply.error.code).toBe(ErrorCode.BadSettings);
    }
    // A model name may contain ':' and '/', but it is only ever a string in the JSON body sent to the configured host.
    client.send({ type: 'settings', settings: { model: `${canaryUrl}/v1` } });
    await client.waitFor((f) => f.type === 'ok' && !('info' in f && f.info));
    client.send({ type: 'userText', turnId: 1, text: `Please call ${canaryUrl}/v1/chat/completions` });
    await client.answer(1);
    const chat = fake.requests.filter((r) => r.endpoint === 'chat').at(-1);
    expect((chat?.body as { model?: string } | undefined)?.model).toBe(`${canaryUrl}/v1`);
    expect(canaryHits).toBe(0);
  });
});

describe('floods', () => {
  it('caps connections with 1013 while open ones keep working', async () => {
    const open = clients.filter((c) => !c.closed).length;
    const flood = await Promise.all(
      Array.from({ length: MAX_CONNECTIONS - open + 10 }, () => track(connectClient(relay.wsUrl, { dialect: 'v1', token: relay.token }))),
    );
    // Each flood connection either answers a Ping or is closed by the relay (waitFor rejects on close).
    const answered = await Promise.all(
      flood.map((c, i) => {
        c.send({ type: 'ping', nonce: i });
        return c.waitFor(is('pong')).then(
          () => true,
          () => false,
        );
      }),
    );
    expect(answered.filter((ok) => !ok).length).toBe(10);
    expect(flood.filter((c) => c.closed?.code === 1013).length).toBe(10);
    await Promise.all(flood.map((c) => c.close()));
  });

  it('limits a turn flood per connection and per session; the neighbour keeps its turns; over-limit turns cost no upstream request', async () => {
    const neighbour = await track(connectClient(relay.wsUrl, { dialect: 'v1', token: relay.token }));
    neighbour.send({ type: 'setClientId', clientId: 'neighbour' });
    await neighbour.waitFor(is('ok'));
    const flooder = await track(connectClient(relay.wsUrl, { dialect: 'v1', token: relay.token }));
    flooder.send({ type: 'setClientId', clientId: 'flooder' });
    await flooder.waitFor(is('ok'));

    // The neighbour's turn starts first and must complete despite the flood next door.
    neighbour.send({ type: 'userText', turnId: 1, text: 'neighbour question' });
    const chatBefore = fake.requests.filter((r) => r.endpoint === 'chat').length;
    // Waves of 6 turns at once (the per-connection cap is 3) until the token's budget runs out.
    let turnId = 0;
    for (let wave = 0; wave < 10 && flooder.of('error').every((f) => f.error.code !== ErrorCode.RateLimited); wave++) {
      const ids = Array.from({ length: 6 }, () => ++turnId);
      for (const id of ids) flooder.send({ type: 'userText', turnId: id, text: `flood ${id}` });
      await Promise.all(ids.map((id) => flooder.waitFor((f) => (f.type === 'textEnd' || f.type === 'error') && f.turnId === id)));
    }
    expect(await neighbour.answer(1)).toContain('neighbour question');

    const codes = flooder.of('error').map((f) => f.error.code);
    expect(codes).toContain(ErrorCode.TooManyTurns);
    const limited = flooder.of('error').filter((f) => f.error.code === ErrorCode.RateLimited);
    expect(limited.length).toBeGreaterThan(0);
    expect(limited.every((f) => f.error.retryable && (f.error.retryAfterMs ?? 0) > 0)).toBe(true);
    // The flood spent only its session's share: the neighbour's next turn, after the flood, still runs.
    neighbour.send({ type: 'userText', turnId: 2, text: 'neighbour again' });
    expect(await neighbour.answer(2)).toContain('neighbour again');
    // Upstream work is bounded by the session's share, whatever the flood size (+2 neighbour turns).
    const chatRequests = fake.requests.filter((r) => r.endpoint === 'chat').length - chatBefore;
    expect(chatRequests).toBeLessThanOrEqual(TURNS_PER_MINUTE_PER_SESSION + 2);
  });
});

describe('the key', () => {
  it('is absent from every byte received and every log line', async () => {
    const leak = `Incorrect API key provided: ${KEY}.`;
    fake.failNext('transcription', { kind: 'status', status: 401, code: 'invalid_api_key', message: leak });
    const client = await track(connectClient(relay.wsUrl, { dialect: 'v1', token: relay.token }));
    client.send({ type: 'setClientId', clientId: 'key-scan' });
    await client.waitFor(is('ok'));
    client.send({ type: 'audioChunk', turnId: 1, data: await readFile(new URL('../../fixtures/question.webm', import.meta.url)) });
    client.send({ type: 'audioEnd', turnId: 1 });
    await client.waitFor(is('error', 1));
    const health = await (await fetch(`${relay.httpUrl}/healthz`)).text();
    const haystacks = [
      ...clients.flatMap((c) => c.raw.map((bytes) => Buffer.from(bytes).toString('latin1'))),
      ...relay.logs,
      health,
    ];
    expect(haystacks.length).toBeGreaterThan(relay.logs.length);
    for (const needle of [KEY, KEY.slice(8), Buffer.from(KEY).toString('base64')]) {
      expect(haystacks.filter((text) => text.includes(needle))).toEqual([]);
    }
  });
});
