// Chaos (npm run test:reliability): upstream failures injected at random under concurrency,
// clients that vanish or stop reading, and SIGTERM with turns in flight followed by a restart.
// Every turn must end exactly once, with the exact answer or a clear error code, and history must
// hold each question once. Measured times are recorded, not asserted.
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CloseCode, ErrorCode, type ChatMessage } from '../../protocol/index.ts';
import { rssBytes } from '../../bench/lib/proc.ts';
import { sessionHash } from '../../server/session/session-store.ts';
import { tokenIdOf } from '../../server/transport/token-id.ts';
import { startFakeOpenAI, type FakeEndpoint, type FakeFailure, type FakeOpenAI } from '../fakes/fake-openai.ts';
import { startRelay, type RelayProcess } from '../helpers/relay-process.ts';
import { connectClient, is, type TestClient } from '../helpers/ws-client.ts';
import { eventually, longAnswer, pauseReading, resumeReading, turnLines } from './support/chaos.ts';
import { recordFigures } from './support/figures.ts';
import { relayProblems } from './support/fuzz-run.ts';
import { createRng } from './support/rng.ts';
import { summarize } from '../../bench/lib/stats.ts';

const MIB = 2 ** 20;
const answerFor = (question: string) => (question.startsWith('long') ? longAnswer(150) : `Answer to: ${question} (that is all).`);
const lastUser = (messages: Array<{ role: string; content: string }>) => messages.filter((m) => m.role === 'user').at(-1)?.content ?? '';
let fake: FakeOpenAI;

beforeAll(async () => {
  fake = await startFakeOpenAI({ latency: { firstTokenMs: 20, perTokenMs: 5, sttMs: 20, ttsMs: 20 }, answer: (messages) => answerFor(lastUser(messages)) });
});
afterAll(async () => {
  await fake?.close();
});

async function session(relay: RelayProcess, clientId: string, speech = false): Promise<TestClient> {
  const client = await connectClient(relay.wsUrl, { dialect: 'v1', token: relay.token });
  client.send({ type: 'settings', settings: { speech } });
  client.send({ type: 'setClientId', clientId });
  await client.waitFor((f) => f.type === 'ok' && f.info !== undefined);
  return client;
}

function chatMessagesOf(request: { body: unknown }): ChatMessage[] {
  return ((request.body as { messages?: ChatMessage[] } | undefined)?.messages ?? []).filter((m) => m.role === 'user' || m.role === 'assistant');
}

describe('upstream failures at random, 20 clients × 10 turns', () => {
  let relay: RelayProcess;
  beforeAll(async () => {
    relay = await startRelay({
      fake,
      env: { PARLEY_SPEECH: '0', PARLEY_UPSTREAM_RETRIES: '2', PARLEY_UPSTREAM_RETRY_BASE_MS: '50', PARLEY_UPSTREAM_TIMEOUT_MS: '1000', PARLEY_TURNS_PER_MINUTE: '100000', PARLEY_TURNS_PER_MINUTE_PER_SESSION: '100000' },
    });
  });
  afterAll(async () => {
    await relay?.dispose();
    fake.reset();
  });

  it('ends every turn once, with the exact answer or a clear error, and keeps history clean', async () => {
    const rng = createRng(0xc4a05);
    const failures: FakeFailure[] = [
      { kind: 'status', status: 429, retryAfterMs: 100 },
      { kind: 'status', status: 500 },
      { kind: 'status', status: 503 },
      { kind: 'cut' },
      { kind: 'endWithoutFinish' },
      { kind: 'midStreamError' },
      { kind: 'stall' },
    ];
    const outcomes: Record<string, number> = {};
    const clients = await Promise.all(Array.from({ length: 20 }, (_, i) => session(relay, `chaos-${i}`)));
    const answered = clients.map(() => [] as string[]);
    await Promise.all(
      clients.map(async (client, c) => {
        for (let turnId = 1; turnId <= 10; turnId++) {
          if (rng.chance(0.4)) fake.failNext('chat', rng.pick(failures));
          const question = `client ${c} turn ${turnId}`;
          client.send({ type: 'userText', turnId, text: question });
          const end = await client.waitFor((f) => (f.type === 'textEnd' || f.type === 'error') && f.turnId === turnId, 30_000);
          const text = client.of('textChunk', turnId).map((f) => f.text).join('');
          if (end.type === 'textEnd') {
            expect(text).toBe(answerFor(question));
            answered[c]?.push(question);
            outcomes.ok = (outcomes.ok ?? 0) + 1;
          } else if (end.type === 'error') {
            expect([ErrorCode.UpstreamRateLimited, ErrorCode.UpstreamUnavailable, ErrorCode.UpstreamCut, ErrorCode.UpstreamTimeout]).toContain(end.error.code);
            expect(end.error.message.length).toBeGreaterThan(10);
            outcomes[end.error.code] = (outcomes[end.error.code] ?? 0) + 1;
          }
        }
      }),
    );
    // Failures nobody consumed must not leak into the final clean turns.
    fake.reset();
    for (const [c, client] of clients.entries()) {
      client.send({ type: 'userText', turnId: 99, text: `final ${c}` });
      expect(await client.answer(99)).toBe(answerFor(`final ${c}`));
      // Every turn frame ended exactly once.
      for (let turnId = 1; turnId <= 10; turnId++) {
        const ends = client.frames.filter((f) => (f.type === 'textEnd' || f.type === 'error') && 'turnId' in f && f.turnId === turnId);
        expect(ends).toHaveLength(1);
      }
      const request = fake.requests.find((r) => r.endpoint === 'chat' && lastUser(chatMessagesOf(r)) === `final ${c}`);
      const users = chatMessagesOf(request ?? { body: undefined }).filter((m) => m.role === 'user').map((m) => m.content);
      // Each question at most once, answered ones certainly (unless trimmed away by the history cap).
      expect(new Set(users).size).toBe(users.length);
      for (const question of (answered[c] ?? []).slice(-5)) expect(users).toContain(question);
      await client.close();
    }
    expect(relayProblems(relay)).toEqual([]);
    recordFigures('chaos-upstream', { turns: 200, outcomes });
  });
});

describe('clients that vanish or stop reading', () => {
  let relay: RelayProcess;
  beforeAll(async () => {
    relay = await startRelay({ fake, env: { PARLEY_MAX_SEND_BUFFER_BYTES: '65536', PARLEY_TTS_CONCURRENCY: '4', PARLEY_TURNS_PER_MINUTE: '100000', PARLEY_TURNS_PER_MINUTE_PER_SESSION: '100000' } });
  });
  afterAll(async () => {
    await relay?.dispose();
    fake.reset();
  });

  it('aborts upstream work of a vanished client (chat, STT, TTS) and records how fast', async () => {
    const webm = await readFile(new URL('../fixtures/question.webm', import.meta.url));
    const delays: Record<FakeEndpoint, number[]> = { chat: [], transcription: [], speech: [] };
    for (let round = 0; round < 10; round++) {
      for (const endpoint of ['chat', 'transcription', 'speech'] as const) {
        fake.reset();
        const client = await session(relay, `vanish-${endpoint}-${round}`, endpoint === 'speech');
        if (endpoint === 'chat') fake.setLatency({ perTokenMs: 50 });
        else fake.failNext(endpoint, { kind: 'stall' });
        if (endpoint === 'transcription') {
          client.send({ type: 'audioChunk', turnId: 1, data: webm });
          client.send({ type: 'audioEnd', turnId: 1 });
        } else {
          client.send({ type: 'userText', turnId: 1, text: 'long answer please' });
        }
        const request = await fake.waitForRequest((r) => r.endpoint === endpoint);
        // Mid-stream for chat: the answer is already flowing when the client disappears.
        if (endpoint === 'chat') await client.waitFor(is('textChunk', 1));
        const gone = performance.now();
        client.ws.terminate();
        const ended = await fake.waitForRequest((r) => r.id === request.id && r.outcome !== 'pending');
        expect(ended.outcome).toBe('aborted');
        delays[endpoint].push((ended.endedAt ?? Number.NaN) - gone);
        fake.setLatency({ perTokenMs: 5 });
      }
    }
    const figures = Object.fromEntries(
      Object.entries(delays).map(([endpoint, samples]) => {
        const s = summarize(samples);
        return [endpoint, { runs: s.count, p50Ms: +s.p50.toFixed(1), maxMs: +s.max.toFixed(1) }];
      }),
    );
    recordFigures('chaos-vanish', { abortAfterDisconnect: figures, targetMs: 200 });
  });

  it('bounds the buffer of a client that stops reading, closes it, and stops its speech', async () => {
    const pid = relay.process.pid ?? 0;
    fake.reset();
    const rssBefore = rssBytes(pid);
    const slow = await session(relay, 'slow-reader', true);
    pauseReading(slow);
    const started = performance.now();
    slow.send({ type: 'userText', turnId: 1, text: 'long answer please' });
    const line = await eventually('the slow reader’s turn line', () => turnLines(relay).find((l) => l.sessionHash === sessionHash({ tokenId: tokenIdOf(relay.token), clientId: 'slow-reader' })), 60_000);
    const cutAfterMs = performance.now() - started;
    expect(line).toMatchObject({ outcome: 'disconnected', error: 'slow-consumer' });
    const rssAtCut = rssBytes(pid);
    resumeReading(slow);
    const closed = await slow.waitForClose();
    const audioBytes = slow.of('speechAudio', 1).reduce((sum, f) => sum + f.audio.byteLength, 0);
    await eventually('speech requests to settle', () => (fake.requests.every((r) => r.outcome !== 'pending') ? true : undefined));
    const speechRequests = fake.requests.filter((r) => r.endpoint === 'speech').length;
    expect(speechRequests).toBeLessThan(150);
    // The relay asks for 4408; the close frame cannot reach a peer that is not reading, so the
    // socket is terminated a second later and the client may see 1006 instead.
    expect([CloseCode.SlowConsumer, 1006]).toContain(closed.code);
    recordFigures('chaos-slow-reader', {
      closeCode: closed.code,
      closeReason: closed.reason,
      cutAfterMs: Math.round(cutAfterMs),
      audioBytesDeliveredBeforeCut: audioBytes,
      speechRequests,
      sentences: 150,
      rssBeforeMiB: +(rssBefore / MIB).toFixed(1),
      rssAtCutMiB: +(rssAtCut / MIB).toFixed(1),
    });
  });
});

describe('SIGTERM with turns in flight, then a restart', () => {
  it('finishes or clearly ends every turn, and clients resume on the restarted relay', async () => {
    const relay = await startRelay({ fake, env: { PARLEY_SPEECH: '0', PARLEY_SHUTDOWN_GRACE_MS: '1500', PARLEY_TURNS_PER_MINUTE: '100000', PARLEY_TURNS_PER_MINUTE_PER_SESSION: '100000' } });
    try {
      fake.reset();
      // Half the turns need ~0.5 s (finish within the grace), half ~5 s (cut by the deadline).
      fake.setLatency({ perTokenMs: 50 });
      const clients = await Promise.all(Array.from({ length: 10 }, (_, i) => session(relay, `sigterm-${i}`)));
      const transcripts: ChatMessage[][] = clients.map(() => []);
      for (const [i, client] of clients.entries()) {
        const question = `warm-up ${i}`;
        fake.setLatency({ perTokenMs: 1 });
        client.send({ type: 'userText', turnId: 1, text: question });
        transcripts[i]?.push({ role: 'user', content: question }, { role: 'assistant', content: await client.answer(1) });
      }
      fake.setLatency({ perTokenMs: 50 });
      for (const [i, client] of clients.entries()) client.send({ type: 'userText', turnId: 2, text: i % 2 === 0 ? `short ${i}` : `long ${i}` });
      await Promise.all(clients.map((client) => client.waitFor(is('textChunk', 2))));
      const exit = relay.stop('SIGTERM');
      const ends = await Promise.all(clients.map((client) => client.waitFor((f) => (f.type === 'textEnd' || f.type === 'error') && f.turnId === 2, 15_000)));
      const closes = await Promise.all(clients.map((client) => client.waitForClose()));
      expect(await exit).toEqual({ code: 0, signal: null });
      let finished = 0;
      for (const [i, end] of ends.entries()) {
        const client = clients[i] as TestClient;
        if (end.type === 'textEnd') {
          finished++;
          const answer = client.of('textChunk', 2).map((f) => f.text).join('');
          expect(answer).toBe(answerFor(i % 2 === 0 ? `short ${i}` : `long ${i}`));
          transcripts[i]?.push({ role: 'user', content: `short ${i}` }, { role: 'assistant', content: answer });
        } else {
          expect(end.type === 'error' && end.error.code).toBe(ErrorCode.ShuttingDown);
        }
      }
      expect(closes.every((c) => c.code === CloseCode.GoingAway)).toBe(true);

      await relay.restart();
      fake.setLatency({ perTokenMs: 1 });
      fake.reset();
      for (const [i, transcript] of transcripts.entries()) {
        const again = await connectClient(relay.wsUrl, { dialect: 'v1', token: relay.token });
        again.send({ type: 'settings', settings: { speech: false } });
        again.send({ type: 'resume', clientId: `sigterm-${i}`, messages: transcript });
        expect((await again.waitFor((f) => f.type === 'ok' && f.info !== undefined)).type).toBe('ok');
        again.send({ type: 'userText', turnId: 1, text: `after restart ${i}` });
        expect(await again.answer(1)).toBe(answerFor(`after restart ${i}`));
        const request = fake.requests.find((r) => r.endpoint === 'chat' && lastUser(chatMessagesOf(r)) === `after restart ${i}`);
        expect(chatMessagesOf(request ?? { body: undefined }).map((m) => m.content)).toContain(`warm-up ${i}`);
        await again.close();
      }
      expect(relayProblems(relay)).toEqual([]);
      recordFigures('chaos-sigterm', { inFlight: 10, finishedWithinGrace: finished, endedShuttingDown: 10 - finished, graceMs: 1500, resumedAndContinued: 10 });
    } finally {
      fake.setLatency({ perTokenMs: 5 });
      await relay.dispose();
    }
  });
});
