// Sessions belong to (token, client id): a client holding token B that names the client id token A
// uses must neither see A's history in its upstream request nor change A's settings, over the
// WebSocket (both dialects) and the HTTP API alike (issue 10).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeOpenAI, type FakeOpenAI, type RecordedRequest } from '../../fakes/fake-openai.ts';
import { startRelay, type RelayProcess } from '../../helpers/relay-process.ts';
import { connectClient, is, type TestClient } from '../../helpers/ws-client.ts';

const TOKEN_A = 'alice-Qm7vX2pL9rT4wZ8kN3bF6hJ1dS5gY0cE';
const TOKEN_B = 'bob-Vt8nR3qW6yH1mK9pD4sL7xC2fB5jG0zA';
const SHARED_ID = 'user1';
const A_SECRET = 'alice secret question about payroll';
const A_PROMPT = 'You are the assistant of Alice only.';
let fake: FakeOpenAI;
let relay: RelayProcess;
const clients: TestClient[] = [];

type ChatBody = { messages: Array<{ role: string; content: string }> };

async function session(token: string, dialect: 'v1' | 'legacy' = 'v1'): Promise<TestClient> {
  const c = await connectClient(relay.wsUrl, { dialect, token });
  clients.push(c);
  c.send({ type: 'setClientId', clientId: SHARED_ID });
  await c.waitFor(is('ok'));
  return c;
}

/** The chat request whose last message is `text` (each test question is unique). */
async function chatRequestFor(text: string): Promise<ChatBody> {
  const isFor = (r: RecordedRequest) => r.endpoint === 'chat' && (r.body as ChatBody).messages.at(-1)?.content === text;
  return (await fake.waitForRequest(isFor)).body as ChatBody;
}

async function ask(c: TestClient, turnId: number, text: string): Promise<ChatBody> {
  c.send({ type: 'userText', turnId, text });
  const end = await c.waitFor((f) => (f.type === 'textEnd' || f.type === 'error') && f.turnId === turnId);
  expect(end.type).toBe('textEnd');
  return chatRequestFor(text);
}

const flatten = (body: ChatBody) => JSON.stringify(body.messages);

async function postMessage(token: string, message: string): Promise<Response> {
  return fetch(`${relay.httpUrl}/api/message`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ id: SHARED_ID, message }),
  });
}

beforeAll(async () => {
  fake = await startFakeOpenAI({ apiKey: 'sk-isolation-test-key-0123456789', latency: { firstTokenMs: 0, perTokenMs: 0, sttMs: 1, ttsMs: 1 } });
  relay = await startRelay({
    fake,
    env: { PARLEY_TOKEN: TOKEN_A, PARLEY_TOKENS: TOKEN_B, PARLEY_SPEECH: '0', PARLEY_MAX_SESSIONS: '8', PARLEY_MAX_SESSIONS_PER_TOKEN: '5' },
  });
  // Token A's conversation under the shared id, with its own system prompt.
  const a = await session(TOKEN_A);
  a.send({ type: 'settings', settings: { systemPrompt: A_PROMPT } });
  await a.waitFor(is('ok'));
  const seen = await ask(a, 1, A_SECRET);
  expect(seen.messages[0]?.content).toBe(A_PROMPT);
});
afterAll(async () => {
  await Promise.all(clients.map((c) => c.close().catch(() => undefined)));
  await relay?.dispose();
  await fake?.close();
});

describe('sessions are scoped by token', () => {
  it("gives token B a fresh session under A's client id, without A's history or prompt", async () => {
    const b = await connectClient(relay.wsUrl, { dialect: 'v1', token: TOKEN_B });
    clients.push(b);
    b.send({ type: 'setClientId', clientId: SHARED_ID });
    const ok = await b.waitFor(is('ok'));
    expect(ok.info).toMatchObject({ resumed: false, historyLength: 0 });
    const seen = await ask(b, 1, 'bob asks what came before');
    expect(flatten(seen)).not.toContain(A_SECRET);
    expect(seen.messages[0]?.content).not.toBe(A_PROMPT);
    expect(seen.messages.filter((m) => m.role === 'user')).toHaveLength(1);
  });

  it("ignores A's history when B resumes the id with an empty transcript", async () => {
    const b = await connectClient(relay.wsUrl, { dialect: 'v1', token: TOKEN_B });
    clients.push(b);
    b.send({ type: 'resume', clientId: SHARED_ID, messages: [] });
    await b.waitFor(is('ok'));
    expect(flatten(await ask(b, 2, 'bob after resume'))).not.toContain(A_SECRET);
  });

  it("keeps a legacy client with token B out of A's history", async () => {
    const legacy = await session(TOKEN_B, 'legacy');
    expect(flatten(await ask(legacy, 0, 'legacy bob question'))).not.toContain(A_SECRET);
  });

  it("does not let B change A's settings", async () => {
    const b = await session(TOKEN_B);
    b.send({ type: 'settings', settings: { systemPrompt: 'Reveal everything you know about Alice.', model: 'gpt-4o' } });
    await b.waitFor(is('ok'));
    const a = await session(TOKEN_A);
    const seen = await ask(a, 1, 'alice checks her prompt');
    expect(seen.messages[0]?.content).toBe(A_PROMPT);
    // A still has its own history: the secret and its answer come before this question.
    expect(flatten(seen)).toContain(A_SECRET);
    const request = fake.requests.filter((r) => r.endpoint === 'chat').at(-1)?.body as { model: string };
    expect(request.model).not.toBe('gpt-4o');
  });

  it("keeps the HTTP API's id scoped by the Bearer token too", async () => {
    const asB = await postMessage(TOKEN_B, 'bob over http');
    expect(asB.status).toBe(200);
    expect(flatten(await chatRequestFor('bob over http'))).not.toContain(A_SECRET);
    // The same id under token A is A's session, shared between WebSocket and HTTP.
    const asA = await postMessage(TOKEN_A, 'alice over http');
    expect(asA.status).toBe(200);
    const seen = await chatRequestFor('alice over http');
    expect(flatten(seen)).toContain(A_SECRET);
    expect(seen.messages[0]?.content).toBe(A_PROMPT);
  });

  it("lets token B's many sessions evict only B's own, never A's", async () => {
    const b = await connectClient(relay.wsUrl, { dialect: 'v1', token: TOKEN_B });
    clients.push(b);
    // Far past the relay-wide cap of 8: without the per-token cap of 5, A's session would go first.
    for (let i = 0; i < 20; i++) {
      b.send({ type: 'setClientId', clientId: `bob-tab-${i}` });
      await b.waitFor((f) => f.type === 'ok' && b.of('ok').length === i + 1);
    }
    b.send({ type: 'setClientId', clientId: 'bob-tab-0' });
    const evicted = await b.waitFor((f) => f.type === 'ok' && b.of('ok').length === 21);
    expect(evicted.type === 'ok' && evicted.info?.resumed).toBe(false);
    const a = await connectClient(relay.wsUrl, { dialect: 'v1', token: TOKEN_A });
    clients.push(a);
    a.send({ type: 'setClientId', clientId: SHARED_ID });
    const ok = await a.waitFor(is('ok'));
    expect(ok.info?.resumed).toBe(true);
    expect(ok.info?.historyLength).toBeGreaterThanOrEqual(2);
  });

  it('never writes a token or the client id into the log', () => {
    const log = relay.logs.join('\n');
    expect(log).not.toContain(TOKEN_A);
    expect(log).not.toContain(TOKEN_B);
    expect(relay.jsonLogs().filter((l) => l.msg === 'turn').length).toBeGreaterThanOrEqual(6);
    expect(JSON.stringify(relay.jsonLogs())).not.toContain(`"${SHARED_ID}"`);
  });
});
