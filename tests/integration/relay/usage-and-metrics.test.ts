// Usage per token and Prometheus metrics, read from the real relay after real turns against the fake
// OpenAI: the numbers must be the ones the fake sent (usage chunks, speech inputs), per token.
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeOpenAI, type FakeOpenAI, type RecordedRequest } from '../../fakes/fake-openai.ts';
import { sampleValue } from '../../helpers/prometheus-text.ts';
import { startRelay, type RelayProcess } from '../../helpers/relay-process.ts';
import { connectClient, is, type TestClient } from '../../helpers/ws-client.ts';
import { tokenIdOf } from '../../../server/transport/token-id.ts';

const TOKEN_A = 'alice-zkFUSO8hZT0Kjz-QVDAiEdt6p9MuBKa_';
const TOKEN_B = 'bob-9_X3JU0Zr_6nb6zN8mHPnJ2bjwOnkH9f';
const ADMIN = 'admin-Hbrc3BMtK3gMwjZc_qvULntm8Lq6YJzr';
// ffprobe -show_entries format=duration tests/fixtures/question.webm → 1.866000
const QUESTION_SECONDS = 1.866;

interface UsageReport {
  turns: number;
  promptTokens: number;
  completionTokens: number;
  transcribedSeconds: number;
  spokenChars: number;
}
interface UsageBody {
  from: string;
  to: string;
  tokens: Array<{ id: string; name: string | null; configured: boolean; total: UsageReport; days: Array<UsageReport & { day: string }> }>;
}

let fake: FakeOpenAI;
let relay: RelayProcess;
const clients: TestClient[] = [];

const get = (path: string, bearer?: string, headers: Record<string, string> = {}) =>
  fetch(`${relay.httpUrl}${path}`, { headers: { ...(bearer === undefined ? {} : { Authorization: `Bearer ${bearer}` }), ...headers } });

async function session(token: string, clientId: string): Promise<TestClient> {
  const c = await connectClient(relay.wsUrl, { dialect: 'v1', token });
  clients.push(c);
  c.send({ type: 'setClientId', clientId });
  await c.waitFor(is('ok'));
  return c;
}

/** What the fake billed for a set of its requests, as the relay should have counted it. */
function billed(requests: RecordedRequest[]): Omit<UsageReport, 'transcribedSeconds' | 'turns'> {
  let promptTokens = 0;
  let completionTokens = 0;
  let spokenChars = 0;
  for (const r of requests) {
    if (r.endpoint === 'chat') {
      promptTokens += Number(r.usage?.prompt_tokens);
      completionTokens += Number(r.usage?.completion_tokens);
    }
    if (r.endpoint === 'speech') spokenChars += [...String((r.body as { input: string }).input)].length;
  }
  return { promptTokens, completionTokens, spokenChars };
}

const requestsA: RecordedRequest[] = [];
const requestsB: RecordedRequest[] = [];

beforeAll(async () => {
  fake = await startFakeOpenAI({ apiKey: 'sk-usage-test-key-0123456789', latency: { firstTokenMs: 1, perTokenMs: 1, sttMs: 1, ttsMs: 1 } });
  relay = await startRelay({ fake, env: { PARLEY_TOKEN: TOKEN_A, PARLEY_TOKENS: TOKEN_B, PARLEY_ADMIN_TOKEN: ADMIN } });

  // Token A: two spoken text turns and a read-aloud over WebSocket.
  const a = await session(TOKEN_A, 'alice-tab');
  a.send({ type: 'userText', turnId: 1, text: 'What is the capital of France?' });
  expect(a.of('error')).toEqual([]);
  await a.answer(1);
  a.send({ type: 'userText', turnId: 2, text: 'And of Italy? Say it twice.' });
  await a.answer(2);
  // Read-aloud: no chat request, but every character goes to TTS.
  a.send({ type: 'speakText', turnId: 3, text: 'Read this aloud. Then this second sentence, too.' });
  await a.answer(3);
  requestsA.push(...fake.requests.filter((r) => r.outcome === 'completed'));
  const seen = fake.requests.length;

  // Token B, same client id as A (different token): a voice turn over WebSocket and a text turn over HTTP.
  const b = await session(TOKEN_B, 'alice-tab');
  b.send({ type: 'audioChunk', turnId: 1, data: await readFile(new URL('../../fixtures/question.webm', import.meta.url)) });
  b.send({ type: 'audioEnd', turnId: 1 });
  await b.answer(1);
  const res = await fetch(`${relay.httpUrl}/api/message`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${TOKEN_B}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ id: 'bob-script', message: 'Hello from the HTTP API.' }),
  });
  expect(res.status).toBe(200);
  requestsB.push(...fake.requests.slice(seen).filter((r) => r.outcome === 'completed'));
});
afterAll(async () => {
  await Promise.all(clients.map((c) => c.close().catch(() => undefined)));
  await relay?.dispose();
  await fake?.close();
});

describe('GET /admin/usage', () => {
  it('reports per token exactly what the upstream billed and what was spoken', async () => {
    const res = await get('/admin/usage', ADMIN);
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    const body = (await res.json()) as UsageBody;
    const a = body.tokens.find((t) => t.id === tokenIdOf(TOKEN_A));
    const b = body.tokens.find((t) => t.id === tokenIdOf(TOKEN_B));

    const fromFakeA = billed(requestsA);
    expect(fromFakeA.promptTokens).toBeGreaterThan(0);
    expect(fromFakeA.spokenChars).toBeGreaterThan(0);
    expect(a).toMatchObject({ name: 'default', configured: true, total: { turns: 3, ...fromFakeA, transcribedSeconds: 0 } });

    const fromFakeB = billed(requestsB);
    // gpt-4o-mini-transcribe bills tokens, not seconds: the length comes from the recording itself.
    expect(requestsB.find((r) => r.endpoint === 'transcription')?.usage).toMatchObject({ type: 'tokens' });
    expect(b).toMatchObject({ name: null, configured: true, total: { turns: 2, ...fromFakeB, transcribedSeconds: QUESTION_SECONDS } });
    expect(b?.days).toEqual([{ day: body.to, ...b?.total }]);
    expect(body.tokens).toHaveLength(2);
  });

  it('narrows to one token by name or by id', async () => {
    const byName = (await (await get('/admin/usage?token=default', ADMIN)).json()) as UsageBody;
    expect(byName.tokens.map((t) => t.id)).toEqual([tokenIdOf(TOKEN_A)]);
    const byId = (await (await get(`/admin/usage?token=${tokenIdOf(TOKEN_B)}&days=1`, ADMIN)).json()) as UsageBody;
    expect(byId.tokens.map((t) => t.id)).toEqual([tokenIdOf(TOKEN_B)]);
    expect(byId.from).toBe(byId.to);
    expect((await get('/admin/usage?token=nobody', ADMIN)).status).toBe(404);
    expect((await get('/admin/usage?days=0', ADMIN)).status).toBe(400);
    expect((await get('/admin/usage?days=91', ADMIN)).status).toBe(400);
  });

  it('answers 401 to anyone without the admin token, client tokens included', async () => {
    for (const bearer of [undefined, TOKEN_A, TOKEN_B, `${ADMIN}x`, ADMIN.slice(1)]) {
      const res = await get('/admin/usage', bearer);
      expect(res.status).toBe(401);
      const text = await res.text();
      expect(text).not.toContain('turns');
    }
    const post = await fetch(`${relay.httpUrl}/admin/usage`, { method: 'POST', headers: { Authorization: `Bearer ${ADMIN}` } });
    expect(post.status).toBe(405);
  });

  it('adds the usage to each turn line of the log, under the token id only', () => {
    const turns = relay.jsonLogs().filter((line) => line.msg === 'turn');
    expect(turns).toHaveLength(5);
    const voice = turns.find((line) => line.kind === 'voice');
    expect(voice).toMatchObject({ tokenId: tokenIdOf(TOKEN_B), transcribedMs: QUESTION_SECONDS * 1000, promptTokens: expect.any(Number) });
    const promptA = turns.filter((line) => line.tokenId === tokenIdOf(TOKEN_A)).reduce((sum, line) => sum + Number(line.promptTokens ?? 0), 0);
    expect(promptA).toBe(billed(requestsA).promptTokens);
    const logs = relay.logs.join('\n');
    for (const secret of [TOKEN_A, TOKEN_B, ADMIN]) expect(logs).not.toContain(secret);
  });
});

describe('GET /metrics', () => {
  it('exports turns, latencies, connections and usage per token to the admin token', async () => {
    const watcher = await session(TOKEN_A, 'metrics-watcher');
    const res = await get('/metrics', ADMIN);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/plain');
    const text = await res.text();
    expect(sampleValue(text, 'parley_turns_total', { kind: 'text', transport: 'ws', outcome: 'ok' })).toBe(2);
    expect(sampleValue(text, 'parley_turns_total', { kind: 'voice', transport: 'ws', outcome: 'ok' })).toBe(1);
    expect(sampleValue(text, 'parley_turns_total', { kind: 'text', transport: 'http', outcome: 'ok' })).toBe(1);
    expect(sampleValue(text, 'parley_turns_total', { kind: 'speak', transport: 'ws', outcome: 'ok' })).toBe(1);
    expect(sampleValue(text, 'parley_stt_seconds_count')).toBe(1);
    expect(sampleValue(text, 'parley_first_token_seconds_count', { kind: 'text' })).toBe(3);
    expect(sampleValue(text, 'parley_first_audio_seconds_count', { kind: 'text' })).toBe(3);
    expect(sampleValue(text, 'parley_connections')).toBeGreaterThanOrEqual(1);
    expect(sampleValue(text, 'parley_token_prompt_tokens_total', { token: 'default' })).toBe(billed(requestsA).promptTokens);
    expect(sampleValue(text, 'parley_token_spoken_chars_total', { token: tokenIdOf(TOKEN_B) })).toBe(billed(requestsB).spokenChars);
    expect(sampleValue(text, 'parley_token_transcribed_seconds_total', { token: tokenIdOf(TOKEN_B) })).toBeCloseTo(QUESTION_SECONDS);
    expect(sampleValue(text, 'process_resident_memory_bytes')).toBeGreaterThan(0);
    for (const secret of [TOKEN_A, TOKEN_B, ADMIN]) expect(text).not.toContain(secret);
    await watcher.close();
  });

  it('counts refused turns by code', async () => {
    // The default budget is 20 turns per minute per session: spend it, then one more is refused.
    const flood = await session(TOKEN_A, 'flooder');
    for (let turnId = 1; turnId <= 21; turnId++) {
      flood.send({ type: 'userText', turnId, text: 'x' });
      await flood.waitFor((f) => (f.type === 'textEnd' || f.type === 'error') && f.turnId === turnId);
    }
    expect(flood.of('error').map((f) => f.error.code)).toContain('RATE_LIMITED');
    const text = await (await get('/metrics', ADMIN)).text();
    expect(sampleValue(text, 'parley_errors_total', { code: 'RATE_LIMITED', stage: 'admission' })).toBeGreaterThanOrEqual(1);
  }, 60_000);

  it('answers 401 without the admin token, even from loopback, unless PARLEY_METRICS_PUBLIC is set', async () => {
    expect((await get('/metrics')).status).toBe(401);
    expect((await get('/metrics', TOKEN_A)).status).toBe(401);
  });
});
