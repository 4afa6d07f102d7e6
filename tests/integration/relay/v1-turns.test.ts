// parley.v1 turns: concurrency without mixing, cancel and disconnect aborting upstream, spoken
// answers in order, and per-connection / per-token limits.
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ErrorCode, type ServerMessage } from '../../../protocol/index.ts';
import { defaultAnswer, defaultTranscript, startFakeOpenAI, type FakeOpenAI } from '../../fakes/fake-openai.ts';
import { startRelay, type RelayProcess } from '../../helpers/relay-process.ts';
import { connectClient, is, openTestSession, type TestClient } from '../../helpers/ws-client.ts';

let fake: FakeOpenAI;
let relay: RelayProcess;
const clients: TestClient[] = [];

const client = (clientId: string, speech = false): Promise<TestClient> => openTestSession(relay, clientId, { speech, track: clients });

beforeAll(async () => {
  fake = await startFakeOpenAI({ apiKey: 'sk-v1-test-key-0123456789', latency: { firstTokenMs: 5, perTokenMs: 3, sttMs: 5, ttsMs: 5 } });
  relay = await startRelay({ fake, env: { PARLEY_MAX_AUDIO_BYTES: '20000', PARLEY_MAX_CONCURRENT_TURNS: '2' } });
});
beforeEach(() => fake.reset());
afterAll(async () => {
  await Promise.all(clients.map((c) => c.close()));
  await relay?.dispose();
  await fake?.close();
});

describe('parley.v1 turns', () => {
  it('runs two concurrent turns whose frames never mix', async () => {
    const c = await client('concurrent');
    c.send({ type: 'userText', turnId: 11, text: 'first question' });
    c.send({ type: 'userText', turnId: 22, text: 'second question' });
    const [a, b] = await Promise.all([c.answer(11), c.answer(22)]);
    expect(a).toContain('You asked: "first question"');
    expect(b).toContain('You asked: "second question"');
    expect(a).not.toContain('second question');
    // Both streams were open at once (interleaved on the wire), yet each reassembles exactly.
    const order = c.frames.filter(is('textChunk')).map((f) => f.turnId);
    expect(order.indexOf(22)).toBeLessThan(order.lastIndexOf(11));
    expect(c.of('textEnd').map((f) => f.turnId).sort()).toEqual([11, 22]);
  });

  it('refuses a running turn id, and a third concurrent turn', async () => {
    const c = await client('limits');
    fake.setLatency({ firstTokenMs: 300 });
    c.send({ type: 'userText', turnId: 1, text: 'one' });
    c.send({ type: 'userText', turnId: 1, text: 'one again' });
    c.send({ type: 'userText', turnId: 2, text: 'two' });
    c.send({ type: 'userText', turnId: 3, text: 'three' });
    const errors = await Promise.all([c.waitFor(is('error', 1)), c.waitFor(is('error', 3))]);
    expect(errors.map((e) => e.error.code)).toEqual([ErrorCode.TurnInUse, ErrorCode.TooManyTurns]);
    await Promise.all([c.waitFor(is('textEnd', 1)), c.answer(2)]);
    expect(c.of('textChunk', 1).map((f) => f.text).join('')).toContain('You asked: "one"');
  });

  it('cancel aborts the upstream stream and ends the turn with one CANCELLED error', async () => {
    const c = await client('cancel');
    fake.setLatency({ perTokenMs: 200 });
    c.send({ type: 'userText', turnId: 7, text: 'a long story please' });
    await c.waitFor(is('textChunk', 7));
    c.send({ type: 'cancel', turnId: 7 });
    const error = await c.waitFor(is('error', 7));
    expect(error.error.code).toBe(ErrorCode.Cancelled);
    const chat = await fake.waitForRequest((r) => r.endpoint === 'chat' && r.outcome === 'aborted');
    expect(chat.outcome).toBe('aborted');
    // Nothing more for that turn, and the cancelled answer is not in the next request's history.
    fake.setLatency({ perTokenMs: 1 });
    c.send({ type: 'userText', turnId: 8, text: 'a long story please' });
    await c.answer(8);
    const frames7 = c.frames.filter((f: ServerMessage) => 'turnId' in f && f.turnId === 7);
    expect(frames7.at(-1)).toEqual(error);
    const last = fake.requests.filter((r) => r.endpoint === 'chat').at(-1)?.body as { messages: Array<{ role: string; content: string }> };
    expect(last.messages.slice(2)).toEqual([{ role: 'user', content: 'a long story please' }]);
  });

  it('a client disconnect aborts every upstream request of its turns', async () => {
    const c = await client('disconnect', true);
    fake.setLatency({ perTokenMs: 100, ttsMs: 5000 });
    c.send({ type: 'userText', turnId: 1, text: 'keep talking' });
    await fake.waitForRequest((r) => r.endpoint === 'speech');
    c.ws.terminate();
    await fake.waitForRequest((r) => r.endpoint === 'chat' && r.outcome === 'aborted');
    await fake.waitForRequest((r) => r.endpoint === 'speech' && r.outcome === 'aborted');
    expect(fake.requests.filter((r) => r.outcome === 'pending')).toEqual([]);
  });

  it('speaks the answer sentence by sentence while it streams, all before TextEnd', async () => {
    const c = await client('speech', true);
    fake.setLatency({ perTokenMs: 15, ttsMs: 5 });
    c.send({ type: 'userText', turnId: 3, text: 'What is the capital of France?' });
    const text = await c.answer(3);
    expect(text).toBe(defaultAnswer([{ role: 'user', content: 'What is the capital of France?' }]));
    const turnFrames = c.frames.filter((f) => 'turnId' in f && f.turnId === 3);
    const end = turnFrames.findIndex((f) => f.type === 'textEnd');
    const types = turnFrames.map((f) => f.type);
    // The first sentence is spoken while the answer is still streaming, not after it...
    expect(types.indexOf('speechAudio')).toBeLessThan(types.lastIndexOf('textChunk'));
    // ...and TextEnd is the turn's last frame.
    expect(end).toBe(turnFrames.length - 1);
    const audio = c.of('speechAudio', 3);
    expect(audio.map((f) => f.index)).toEqual(audio.map((_, i) => i));
    expect(audio.length).toBeGreaterThan(2);
    expect(audio.map((f) => f.sentence).join(' ')).toBe(text);
    const spoken = fake.requests.filter((r) => r.endpoint === 'speech').map((r) => (r.body as { input: string }).input);
    expect(audio.map((f) => f.sentence)).toEqual(spoken);
    expect(audio.every((f) => f.audio.byteLength > 100)).toBe(true);
  });

  it('runs a voice turn with a transcript, and refuses audio over the cap but stays usable', async () => {
    const webm = await readFile(new URL('../../fixtures/question.webm', import.meta.url));
    const c = await client('voice');
    c.send({ type: 'audioChunk', turnId: 4, data: webm });
    c.send({ type: 'audioEnd', turnId: 4 });
    expect(await c.waitFor(is('transcript', 4))).toEqual({ type: 'transcript', turnId: 4, text: defaultTranscript() });
    expect(await c.answer(4)).toContain('The capital of France is Paris.');

    for (let i = 0; i < 5; i++) c.send({ type: 'audioChunk', turnId: 5, data: new Uint8Array(5000) });
    c.send({ type: 'audioEnd', turnId: 5 });
    expect((await c.waitFor(is('error', 5))).error.code).toBe(ErrorCode.AudioTooLarge);
    c.send({ type: 'userText', turnId: 6, text: 'still fine?' });
    await c.answer(6);
    expect(c.of('error', 5)).toHaveLength(1);
    expect(fake.requests.filter((r) => r.endpoint === 'transcription')).toHaveLength(1);
  });

  it('uploads a recording sent in 45 small slices whole: every byte, still the same webm', async () => {
    const webm = new Uint8Array(await readFile(new URL('../../fixtures/question.webm', import.meta.url)));
    const c = await client('slices');
    for (let start = 0; start < webm.byteLength; start += 100) c.send({ type: 'audioChunk', turnId: 8, data: webm.subarray(start, start + 100) });
    c.send({ type: 'audioEnd', turnId: 8 });
    await c.answer(8);
    const [stt] = fake.requests.filter((r) => r.endpoint === 'transcription');
    expect((stt?.body as { bytes: number } | undefined)?.bytes).toBe(webm.byteLength);
    // The relay reads the clip's length from its webm header and last timestamps (the fake bills no
    // duration): reordered or truncated slices would not parse to the fixture's 1866 ms
    // (ffprobe -show_entries format=duration tests/fixtures/question.webm → 1.866000). Byte-for-byte
    // order across buffer growths is tests/unit/server/session/recording-buffer.test.ts.
    const turnLog = () => relay.jsonLogs().find((line) => line.msg === 'turn' && line.kind === 'voice' && line.turnId === 8);
    await expect.poll(turnLog).toMatchObject({ outcome: 'ok', transcribedMs: 1866 });
  });

  it('says NO_SPEECH when the transcript is empty', async () => {
    const quiet = await startFakeOpenAI({ apiKey: fake.apiKey, transcript: () => '' });
    const quietRelay = await startRelay({ fake: quiet });
    try {
      const webm = await readFile(new URL('../../fixtures/question.webm', import.meta.url));
      const c = await connectClient(quietRelay.wsUrl, { dialect: 'v1', token: quietRelay.token });
      c.send({ type: 'setClientId', clientId: 'quiet' });
      c.send({ type: 'audioChunk', turnId: 1, data: webm });
      c.send({ type: 'audioEnd', turnId: 1 });
      expect((await c.waitFor(is('error', 1))).error.code).toBe(ErrorCode.NoSpeech);
      expect(quiet.requests.filter((r) => r.endpoint === 'chat')).toEqual([]);
      await c.close();
    } finally {
      await quietRelay.dispose();
      await quiet.close();
    }
  });
});

describe('rate limit per token', () => {
  it('refuses turns over PARLEY_TURNS_PER_MINUTE with RATE_LIMITED and retryAfterMs', async () => {
    const limited = await startRelay({ fake, env: { PARLEY_TURNS_PER_MINUTE: '2', PARLEY_SPEECH: '0' } });
    try {
      const a = await connectClient(limited.wsUrl, { dialect: 'v1', token: limited.token });
      const b = await connectClient(limited.wsUrl, { dialect: 'v1', token: limited.token });
      a.send({ type: 'setClientId', clientId: 'rate-a' });
      b.send({ type: 'setClientId', clientId: 'rate-b' });
      a.send({ type: 'userText', turnId: 1, text: 'one' });
      await a.answer(1);
      b.send({ type: 'userText', turnId: 1, text: 'two' });
      await b.answer(1);
      a.send({ type: 'userText', turnId: 2, text: 'three' });
      const error = await a.waitFor(is('error', 2));
      expect(error.error.code).toBe(ErrorCode.RateLimited);
      expect(error.error.retryAfterMs).toBeGreaterThan(0);
      // Still usable for non-turn frames.
      a.send({ type: 'ping', nonce: 1 });
      await a.waitFor(is('pong'));
      await Promise.all([a.close(), b.close()]);
    } finally {
      await limited.dispose();
    }
  });
});
