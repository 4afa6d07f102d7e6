// Two relay instances sharing one Redis (a real redis-server started here): conversations, budgets
// and token scoping follow a client from one instance to the other, an instance killed mid-turn
// ends that turn with TURN_LOST on reconnect and costs only a retry, and a Redis outage gives STORE_UNAVAILABLE and then recovers by itself.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode } from '../../../protocol/index.ts';
import { startFakeOpenAI, type FakeOpenAI, type RecordedRequest } from '../../fakes/fake-openai.ts';
import { startRedisServer, type RedisServer } from '../../helpers/redis-server.ts';
import { startRelay, type RelayProcess } from '../../helpers/relay-process.ts';
import { connectClient, is, type TestClient } from '../../helpers/ws-client.ts';

const TOKEN_A = 'alice-Qm7vX2pL9rT4wZ8kN3bF6hJ1dS5gY0cE';
const TOKEN_B = 'bob-Vt8nR3qW6yH1mK9pD4sL7xC2fB5jG0zA';
const TOKEN_C = 'carol-Hx4mP8sQ2vN7kW1rT5yB9dL3gF6jZ0cA';
const TOKEN_D = 'dave-Rk2wN8vQ5mT1xH7pL4cB9gF3jS6dZ0yA';
// Each test uses its own token or stays well under this, except the budget test, which spends B's.
const TURNS_PER_MINUTE = 10;
let fake: FakeOpenAI;
let redis: RedisServer;
let one: RelayProcess;
let two: RelayProcess;
const clients: TestClient[] = [];

type ChatBody = { messages: Array<{ role: string; content: string }> };

async function session(relay: RelayProcess, clientId: string, token = TOKEN_A, dialect: 'v1' | 'legacy' = 'v1'): Promise<TestClient> {
  const c = await connectClient(relay.wsUrl, { dialect, token });
  clients.push(c);
  c.send({ type: 'setClientId', clientId });
  await c.waitFor(is('ok'));
  return c;
}

async function chatRequestFor(text: string): Promise<ChatBody> {
  const isFor = (r: RecordedRequest) => r.endpoint === 'chat' && (r.body as ChatBody).messages.at(-1)?.content === text;
  return (await fake.waitForRequest(isFor)).body as ChatBody;
}

const userTurns = (body: ChatBody) => body.messages.filter((m) => m.role === 'user').map((m) => m.content);

const startInstance = () =>
  startRelay({
    fake,
    env: {
      PARLEY_TOKEN: TOKEN_A,
      PARLEY_TOKENS: `${TOKEN_B},${TOKEN_C},${TOKEN_D}`,
      PARLEY_SPEECH: '0',
      REDIS_URL: redis.url,
      PARLEY_TURNS_PER_MINUTE: String(TURNS_PER_MINUTE),
      PARLEY_TURNS_PER_MINUTE_PER_SESSION: String(TURNS_PER_MINUTE),
    },
  });

beforeAll(async () => {
  fake = await startFakeOpenAI({ apiKey: 'sk-scale-out-test-key-0123456789', latency: { firstTokenMs: 0, perTokenMs: 0, sttMs: 1, ttsMs: 1 } });
  // Append-only with fsync per write: the outage test stops and restarts Redis and expects every
  // acknowledged answer to be there afterwards.
  redis = await startRedisServer({ persistent: true });
  [one, two] = await Promise.all([startInstance(), startInstance()]);
}, 60_000);
afterAll(async () => {
  await Promise.all(clients.map((c) => c.close().catch(() => undefined)));
  await Promise.all([one?.dispose(), two?.dispose()]);
  await redis?.dispose();
  await fake?.close();
});

describe('two instances, one Redis', () => {
  it('continues a conversation on the other instance after the first is killed, for a legacy client too', async () => {
    const first = await session(one, 'traveller');
    first.send({ type: 'userText', turnId: 1, text: 'first question on instance one' });
    await first.answer(1);
    await one.stop('SIGKILL');
    // A legacy client cannot Resume: the server side alone must carry the conversation.
    const again = await session(two, 'traveller', TOKEN_A, 'legacy');
    again.send({ type: 'userText', turnId: 0, text: 'second question on instance two' });
    await again.answer(0);
    const seen = await chatRequestFor('second question on instance two');
    expect(userTurns(seen)).toEqual(['first question on instance one', 'second question on instance two']);
    expect(seen.messages.some((m) => m.role === 'assistant' && m.content.includes('first question on instance one'))).toBe(true);
    await one.restart();
  });

  it('ends a turn cut off by a dying instance with TURN_LOST on the other, once, and its retry answers with full context', async () => {
    const c = await session(one, 'interrupted');
    c.send({ type: 'userText', turnId: 1, text: 'context before the crash' });
    await c.answer(1);
    fake.setLatency({ perTokenMs: 200 });
    c.send({ type: 'userText', turnId: 2, text: 'question during the crash' });
    await c.waitFor(is('textChunk', 2));
    await one.stop('SIGKILL');
    // The client sees its socket drop mid-answer (the extension shows CONNECTION_LOST, retryable).
    expect((await c.waitForClose()).code).toBe(1006);
    fake.setLatency({ perTokenMs: 0 });
    const retry = await connectClient(two.wsUrl, { dialect: 'v1', token: TOKEN_A });
    clients.push(retry);
    retry.send({ type: 'resume', clientId: 'interrupted', messages: [] });
    const ok = await retry.waitFor(is('ok'));
    // Instance two knows the session: the completed exchange and the unanswered question.
    expect(ok.info).toMatchObject({ resumed: true, historyLength: 3 });
    // Reconnected before instance one's lease ran out: the lost turn is reported once it has.
    const lost = await retry.waitFor(is('error', 2), 8000);
    expect(lost.error).toMatchObject({ code: ErrorCode.TurnLost, retryable: true });
    retry.send({ type: 'userText', turnId: 3, text: 'question during the crash' });
    expect(await retry.answer(3)).toContain('This is user turn 2');
    const asked = fake.requests.filter((r) => r.endpoint === 'chat' && (r.body as ChatBody).messages.at(-1)?.content === 'question during the crash');
    expect(asked.map((r) => r.outcome)).toEqual(['aborted', 'completed']);
    expect(userTurns(asked[1]?.body as ChatBody)).toEqual(['context before the crash', 'question during the crash']);
    // Reported once: the marker went with the report, and the answered retry left none.
    const later = await session(two, 'interrupted');
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(later.of('error')).toEqual([]);
    expect(retry.of('error').map((f) => f.turnId)).toEqual([2]);
    await one.restart();
  });

  it('tells a legacy client too: an Error frame with the message, and the question answered on retry', async () => {
    const c = await session(one, 'legacy-lost', TOKEN_A, 'legacy');
    c.send({ type: 'userText', turnId: 0, text: 'legacy context' });
    await c.answer(0);
    fake.setLatency({ perTokenMs: 200 });
    const before = c.frames.length;
    c.send({ type: 'userText', turnId: 0, text: 'legacy question during the crash' });
    await c.waitFor((f) => c.frames.indexOf(f) >= before && f.type === 'textChunk');
    await one.stop('SIGKILL');
    await c.waitForClose();
    fake.setLatency({ perTokenMs: 0 });
    // Long enough for instance one's lease to run out: the report comes right after OK.
    await new Promise((resolve) => setTimeout(resolve, 3500));
    const again = await session(two, 'legacy-lost', TOKEN_A, 'legacy');
    const lost = await again.waitFor(is('error'), 2000);
    expect(lost.error.message).toMatch(/stopped while it was answering/);
    expect(again.frames.map((f) => f.type)).toEqual(['ok', 'error']);
    again.send({ type: 'userText', turnId: 0, text: 'legacy question during the crash' });
    await again.waitFor(is('textEnd'));
    const seen = fake.requests.filter((r) => r.endpoint === 'chat' && (r.body as ChatBody).messages.at(-1)?.content === 'legacy question during the crash');
    expect(seen.map((r) => r.outcome)).toEqual(['aborted', 'completed']);
    expect(userTurns(seen[1]?.body as ChatBody)).toEqual(['legacy context', 'legacy question during the crash']);
    await one.restart();
  });

  it('lets a legacy client send its next message right after an error: clearing the marker does not keep the turn busy', async () => {
    // Token D: a budget of its own (10 turns a minute), not shared with the other tests.
    const c = await session(two, 'legacy-after-error', TOKEN_D, 'legacy');
    for (let round = 0; round < 4; round++) {
      fake.failNext('chat', { kind: 'status', status: 400, message: 'bad request for the test' });
      const before = c.frames.length;
      c.send({ type: 'userText', turnId: 0, text: `failing ${round}` });
      await c.waitFor((f) => c.frames.indexOf(f) >= before && f.type === 'error');
      // At once, as a legacy client does: no LEGACY_BUSY while the failed turn's marker is removed.
      const next = c.frames.length;
      c.send({ type: 'userText', turnId: 0, text: `right after ${round}` });
      const end = await c.waitFor((f) => c.frames.indexOf(f) >= next && (f.type === 'textEnd' || f.type === 'error'));
      expect(end.type).toBe('textEnd');
    }
  });

  it("holds a token's turn budget across both instances", async () => {
    const onOne = await session(one, 'budget-1', TOKEN_B);
    const onTwo = await session(two, 'budget-2', TOKEN_B);
    for (let turn = 1; turn <= TURNS_PER_MINUTE; turn++) {
      const c = turn % 2 === 0 ? onTwo : onOne;
      c.send({ type: 'userText', turnId: turn, text: `budget turn ${turn}` });
      await c.answer(turn);
    }
    for (const c of [onOne, onTwo]) {
      c.send({ type: 'userText', turnId: 99, text: 'one too many' });
      const refused = await c.waitFor(is('error', 99));
      expect(refused.error).toMatchObject({ code: ErrorCode.RateLimited, retryable: true });
    }
    // Token A's budget is its own.
    const alice = await session(two, 'budget-alice');
    alice.send({ type: 'userText', turnId: 1, text: 'alice is not limited' });
    await alice.answer(1);
  });

  it("never shows token A's history to another token under the same client id, on either instance", async () => {
    const alice = await session(one, 'shared-id');
    alice.send({ type: 'userText', turnId: 1, text: 'alice private note' });
    await alice.answer(1);
    // Token C here: B's budget was spent above.
    const bob = await session(two, 'shared-id', TOKEN_C);
    const ok = bob.of('ok')[0];
    expect(ok?.info).toMatchObject({ resumed: false, historyLength: 0 });
    bob.send({ type: 'userText', turnId: 1, text: 'bob on instance two' });
    await bob.answer(1);
    expect(JSON.stringify((await chatRequestFor('bob on instance two')).messages)).not.toContain('alice private note');
  });

  it('answers STORE_UNAVAILABLE while Redis is down, stays up, and recovers with nothing acknowledged lost', async () => {
    const c = await session(two, 'outage', TOKEN_C);
    c.send({ type: 'userText', turnId: 1, text: 'saved before the outage' });
    await c.answer(1);
    await redis.stop();
    // A legacy client arriving now: its SetClientID fails (legacy Error frames carry only the message).
    const legacy = await connectClient(two.wsUrl, { dialect: 'legacy', token: TOKEN_C });
    clients.push(legacy);
    legacy.send({ type: 'setClientId', clientId: 'outage-legacy' });
    expect((await legacy.waitFor(is('error'), 5000)).error.message).toMatch(/session store/);
    c.send({ type: 'userText', turnId: 2, text: 'during the outage' });
    const failed = await c.waitFor(is('error', 2), 5000);
    expect(failed.error).toMatchObject({ code: ErrorCode.StoreUnavailable, retryable: true });
    const http = await fetch(`${two.httpUrl}/api/message`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN_C}`, 'content-type': 'application/json' },
      body: JSON.stringify({ id: 'outage-http', message: 'http during the outage' }),
    });
    expect(http.status).toBe(503);
    expect(await http.json()).toMatchObject({ code: ErrorCode.StoreUnavailable, retryable: true });
    expect((await fetch(`${two.httpUrl}/healthz`)).status).toBe(200);
    expect(two.jsonLogs().some((l) => l.msg === 'redis unavailable')).toBe(true);

    await redis.start();
    // ioredis reconnects by itself; the client just retries, as the error said it may.
    const deadline = Date.now() + 15_000;
    for (let turnId = 3; ; turnId++) {
      c.send({ type: 'userText', turnId, text: 'during the outage' });
      const end = await c.waitFor((f) => (f.type === 'textEnd' || f.type === 'error') && f.turnId === turnId);
      if (end.type === 'textEnd') break;
      expect(end.type === 'error' && end.error.code).toBe(ErrorCode.StoreUnavailable);
      if (Date.now() > deadline) throw new Error('no recovery within 15 s of Redis coming back');
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    const seen = await chatRequestFor('during the outage');
    expect(userTurns(seen)).toEqual(['saved before the outage', 'during the outage']);
    expect(two.jsonLogs().some((l) => l.msg === 'redis reconnected')).toBe(true);
    // Legacy clients never send SetClientID twice: the connection kept its session id anyway.
    const before = legacy.frames.length;
    legacy.send({ type: 'userText', turnId: 0, text: 'legacy after the outage' });
    const end = await legacy.waitFor((f) => legacy.frames.indexOf(f) >= before && (f.type === 'textEnd' || f.type === 'error'));
    expect(end.type).toBe('textEnd');
  });

  it('fails a turn within the command timeout when Redis hangs, and carries on once it answers', async () => {
    // Instance one saw the outage above too and may still be waiting for its next reconnect attempt.
    const c = await connectClient(one.wsUrl, { dialect: 'v1', token: TOKEN_C });
    clients.push(c);
    for (let attempt = 1; ; attempt++) {
      const before = c.frames.length;
      c.send({ type: 'setClientId', clientId: 'hung' });
      const reply = await c.waitFor((f) => c.frames.indexOf(f) >= before && (f.type === 'ok' || f.type === 'error'));
      if (reply.type === 'ok') break;
      expect(reply.type === 'error' && reply.error.code).toBe(ErrorCode.StoreUnavailable);
      if (attempt > 40) throw new Error('instance one did not reconnect to Redis');
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    redis.freeze();
    const started = Date.now();
    c.send({ type: 'userText', turnId: 1, text: 'while redis hangs' });
    const failed = await c.waitFor(is('error', 1), 10_000);
    redis.thaw();
    expect(failed.error).toMatchObject({ code: ErrorCode.StoreUnavailable, retryable: true });
    // ioredis's 2 s command timeout, not a hang: well under the 10 s this waits.
    expect(Date.now() - started).toBeLessThan(5000);
    c.send({ type: 'userText', turnId: 2, text: 'after redis answers again' });
    await c.answer(2);
  });

  it('refuses to start when Redis is unreachable, naming the address but never the password', async () => {
    const closed = `redis://:sekret-redis-password@127.0.0.1:${redis.port + 1}`;
    const failed = await startRelay({ fake, env: { PARLEY_TOKEN: TOKEN_A, REDIS_URL: closed } }).then(
      () => undefined,
      (error: unknown) => String(error),
    );
    expect(failed).toMatch(/exited \(code 1/);
    expect(failed).toMatch(new RegExp(`cannot reach Redis at 127\\.0\\.0\\.1:${redis.port + 1}`));
    expect(failed).not.toContain('sekret-redis-password');
  });
});
