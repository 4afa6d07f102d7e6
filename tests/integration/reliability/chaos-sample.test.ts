// A fast chaos sample (part of `npm test`): upstream 429 with retry-after, a client that vanishes
// mid-turn, and a client that stops reading. The full set is tests/reliability/chaos.test.ts.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFile } from 'node:fs/promises';
import { startFakeOpenAI, type FakeOpenAI } from '../../fakes/fake-openai.ts';
import { startRelay, type RelayProcess } from '../../helpers/relay-process.ts';
import { connectClient, is } from '../../helpers/ws-client.ts';
import { sessionHash } from '../../../server/session/session-store.ts';
import { tokenIdOf } from '../../../server/transport/token-id.ts';
import { eventually, longAnswer, pauseReading, resumeReading, turnLines } from '../../reliability/support/chaos.ts';

const SENTENCES = 150;
let fake: FakeOpenAI;
let relay: RelayProcess;

beforeAll(async () => {
  fake = await startFakeOpenAI({
    latency: { firstTokenMs: 0, perTokenMs: 0, sttMs: 5, ttsMs: 5 },
    answer: (messages) => (messages.at(-1)?.content.startsWith('long') ? longAnswer(SENTENCES) : 'Short answer.'),
  });
  relay = await startRelay({
    fake,
    env: { PARLEY_MAX_SEND_BUFFER_BYTES: '65536', PARLEY_UPSTREAM_RETRIES: '2', PARLEY_UPSTREAM_RETRY_BASE_MS: '50', PARLEY_TTS_CONCURRENCY: '4' },
  });
});
afterAll(async () => {
  await relay?.dispose();
  await fake?.close();
});

describe('chaos sample', () => {
  it('retries a 429 with retry-after and delivers the exact answer once', async () => {
    const client = await connectClient(relay.wsUrl, { dialect: 'v1', token: relay.token });
    client.send({ type: 'settings', settings: { speech: false } });
    client.send({ type: 'setClientId', clientId: 'retry-after' });
    await client.waitFor((f) => f.type === 'ok' && f.info !== undefined);
    fake.reset();
    fake.failNext('chat', { kind: 'status', status: 429, retryAfterMs: 200 });
    client.send({ type: 'userText', turnId: 1, text: 'hello' });
    expect(await client.answer(1)).toBe('Short answer.');
    expect(fake.requests.filter((r) => r.endpoint === 'chat').map((r) => r.outcome)).toEqual(['failed', 'completed']);
    await client.close();
  });

  it('aborts the upstream request of a client that vanishes mid-turn', async () => {
    const client = await connectClient(relay.wsUrl, { dialect: 'v1', token: relay.token });
    client.send({ type: 'setClientId', clientId: 'vanisher' });
    await client.waitFor(is('ok'));
    fake.reset();
    fake.failNext('transcription', { kind: 'stall' });
    client.send({ type: 'audioChunk', turnId: 1, data: await readFile(new URL('../../fixtures/question.webm', import.meta.url)) });
    client.send({ type: 'audioEnd', turnId: 1 });
    await fake.waitForRequest((r) => r.endpoint === 'transcription');
    client.ws.terminate();
    const stt = await fake.waitForRequest((r) => r.endpoint === 'transcription' && r.outcome !== 'pending');
    expect(stt.outcome).toBe('aborted');
    expect(fake.requests.filter((r) => r.endpoint === 'chat')).toEqual([]);
  });

  it('closes a client that stops reading, stops its speech requests, and serves its neighbour', async () => {
    const slow = await connectClient(relay.wsUrl, { dialect: 'v1', token: relay.token });
    slow.send({ type: 'setClientId', clientId: 'slow-reader' });
    await slow.waitFor(is('ok'));
    const neighbour = await connectClient(relay.wsUrl, { dialect: 'v1', token: relay.token });
    neighbour.send({ type: 'settings', settings: { speech: false } });
    neighbour.send({ type: 'setClientId', clientId: 'neighbour' });
    await neighbour.waitFor((f) => f.type === 'ok' && f.info !== undefined);
    fake.reset();
    pauseReading(slow);
    slow.send({ type: 'userText', turnId: 1, text: 'long answer please' });
    const line = await eventually('the slow reader’s turn line', () =>
      turnLines(relay).find((l) => l.sessionHash === sessionHash({ tokenId: tokenIdOf(relay.token), clientId: 'slow-reader' })),
    );
    expect(line).toMatchObject({ outcome: 'disconnected', error: 'slow-consumer' });
    resumeReading(slow);
    await slow.waitForClose();
    // Far fewer speech requests than sentences, and none left running.
    await eventually('speech requests to settle', () => (fake.requests.every((r) => r.outcome !== 'pending') ? true : undefined));
    expect(fake.requests.filter((r) => r.endpoint === 'speech').length).toBeLessThan(SENTENCES);
    neighbour.send({ type: 'userText', turnId: 1, text: 'still there?' });
    expect(await neighbour.answer(1)).toBe('Short answer.');
    await neighbour.close();
  });
});
