// Speculative transcription (PARLEY_STT_SPECULATIVE, issue 11): the real relay and the real openai SDK
// against the fake. SpeechPaused(turnId, chunks) starts transcribing the first chunks at once; an
// AudioEnd naming that pause answers with its transcript (one STT request, of the prefix), one naming
// none (speech resumed) aborts it and transcribes the whole clip; a failed speculation falls back to the
// whole clip without an error; off and legacy connections transcribe once, at AudioEnd, as before.
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ClientFrame, ErrorCode } from '../../../protocol/index.ts';
import { startFakeOpenAI, type FakeOpenAI, type RecordedRequest, type TranscriptionRequestBody } from '../../fakes/fake-openai.ts';
import { webmDurationMs } from '../../../server/usage/webm-duration.ts';
import { sampleValue } from '../../helpers/prometheus-text.ts';
import { startRelay, type RelayProcess } from '../../helpers/relay-process.ts';
import { is, openTestSession, type TestClient } from '../../helpers/ws-client.ts';

// ffprobe -show_entries format=duration tests/fixtures/question.webm → 1.866000
const QUESTION_MS = 1866;
/** The fake's STT latency: long enough that AudioEnd right after a pause finds its speculation running. */
const STT_MS = 300;

let fake: FakeOpenAI;
let relay: RelayProcess;
let off: RelayProcess;
let budgeted: RelayProcess;
/** question.webm cut into four chunks, as MediaRecorder's slices would arrive. */
let pieces: Uint8Array[];
const clients: TestClient[] = [];

const sizeOf = (count: number) => pieces.slice(0, count).reduce((sum, piece) => sum + piece.byteLength, 0);
/** The fake answers with the upload's size, so a transcript tells which audio it came from. */
const heard = (bytes: number) => `I said ${bytes} bytes.`;

const client = (target: RelayProcess, clientId: string, dialect: 'v1' | 'legacy' = 'v1'): Promise<TestClient> =>
  openTestSession(target, clientId, { dialect, track: clients });

const chunks = (c: TestClient, turnId: number, from: number, to: number) => {
  for (const data of pieces.slice(from, to)) c.send({ type: 'audioChunk', turnId, data });
};
const stt = () => fake.requests.filter((r) => r.endpoint === 'transcription');
const sttBytes = (r: RecordedRequest | undefined) => (r?.body as TranscriptionRequestBody | undefined)?.bytes;
const completedStt = () => fake.waitForRequest((r) => r.endpoint === 'transcription' && r.outcome === 'completed');
const lastUserMessage = () => {
  const body = fake.requests.filter((r) => r.endpoint === 'chat').at(-1)?.body as { messages: Array<{ role: string; content: string }> } | undefined;
  return body?.messages.filter((m) => m.role === 'user').at(-1)?.content;
};
const ADMIN = 'admin-speculate-Qw7rT2xZp9LmN4vB8kYc3sJd';
/** The relay's own usage counters (Prometheus text, read with the admin token). */
const metrics = async (): Promise<string> => (await fetch(`${relay.httpUrl}/metrics`, { headers: { Authorization: `Bearer ${ADMIN}` } })).text();
const turnLog = (target: RelayProcess, turnId: number) => target.jsonLogs().find((line) => line.msg === 'turn' && line.turnId === turnId);

beforeAll(async () => {
  const webm = new Uint8Array(await readFile(new URL('../../fixtures/question.webm', import.meta.url)));
  const cut = [0.25, 0.5, 0.75].map((f) => Math.floor(webm.byteLength * f));
  pieces = [0, ...cut].map((start, i) => webm.subarray(start, [...cut, webm.byteLength][i]));
  fake = await startFakeOpenAI({
    apiKey: 'sk-speculate-test-key-0123456789',
    transcript: ({ bytes }) => heard(bytes.byteLength),
    latency: { firstTokenMs: 5, perTokenMs: 1, sttMs: STT_MS, sttPerTokenMs: 1, ttsMs: 1 },
  });
  const quick = { PARLEY_UPSTREAM_RETRIES: '1', PARLEY_UPSTREAM_RETRY_BASE_MS: '5', PARLEY_UPSTREAM_TIMEOUT_MS: '3000' };
  // Room for one whole clip and one unused speculation of its first half, and a few bytes more.
  const budget = String(sizeOf(4) + sizeOf(2) + 10);
  [relay, off, budgeted] = await Promise.all([
    startRelay({ fake, env: { ...quick, PARLEY_ADMIN_TOKEN: ADMIN } }),
    startRelay({ fake, env: { ...quick, PARLEY_STT_SPECULATIVE: 'off' } }),
    startRelay({ fake, env: { ...quick, PARLEY_AUDIO_BYTES_PER_DAY: budget } }),
  ]);
});
beforeEach(() => fake.reset());
afterAll(async () => {
  await Promise.all(clients.map((c) => c.close()));
  await Promise.all([relay, off, budgeted].map((r) => r?.dispose()));
  await fake?.close();
});

describe('speculative transcription', () => {
  it('says in OK how many speculations a turn may start: 3 when on, 0 when off', async () => {
    const on = await client(relay, 'ok-on');
    const no = await client(off, 'ok-off');
    expect(on.of('ok')[0]?.info?.limits.maxSpeculations).toBe(3);
    expect(no.of('ok')[0]?.info?.limits.maxSpeculations).toBe(0);
  });

  it('answers from the pause\'s transcript: one STT request, of the prefix, and the chat without a second one', async () => {
    const c = await client(relay, 'used');
    chunks(c, 1, 0, 3);
    c.send({ type: 'speechPaused', turnId: 1, chunks: 3 });
    // The silence goes on being recorded after the pause.
    chunks(c, 1, 3, 4);
    await completedStt();
    c.send({ type: 'audioEnd', turnId: 1, pause: 3 });
    await c.answer(1);
    expect(c.of('error', 1)).toEqual([]);
    expect(stt().map((r) => [r.outcome, sttBytes(r)])).toEqual([['completed', sizeOf(3)]]);
    expect(c.of('transcript', 1)).toEqual([{ type: 'transcript', turnId: 1, text: heard(sizeOf(3)) }]);
    expect(lastUserMessage()).toBe(heard(sizeOf(3)));
    // Streamed like the turn's own request would be (gpt-4o-mini-transcribe, PARLEY_STT_STREAM=auto).
    expect(stt()[0]?.body).toMatchObject({ stream: 'true' });
    await expect.poll(() => turnLog(relay, 1)).toMatchObject({ kind: 'voice', outcome: 'ok', sttSpeculations: 1, sttSpeculationUsed: true });
    // The transcript was ready at AudioEnd: the turn did not wait for the fake's STT latency again.
    expect((turnLog(relay, 1) as { sttMs: number }).sttMs).toBeLessThan(STT_MS);
  });

  it('awaits a speculation still running at AudioEnd instead of starting another', async () => {
    const c = await client(relay, 'awaited');
    chunks(c, 2, 0, 4);
    c.send({ type: 'speechPaused', turnId: 2, chunks: 4 });
    c.send({ type: 'audioEnd', turnId: 2, pause: 4 });
    await c.answer(2);
    expect(stt().map((r) => [r.outcome, sttBytes(r)])).toEqual([['completed', sizeOf(4)]]);
    expect(c.of('transcript', 2)[0]?.text).toBe(heard(sizeOf(4)));
  });

  it('aborts the speculation when speech resumed (AudioEnd names no pause) and transcribes the whole clip', async () => {
    const c = await client(relay, 'resumed');
    chunks(c, 3, 0, 2);
    c.send({ type: 'speechPaused', turnId: 3, chunks: 2 });
    await fake.waitForRequest((r) => r.endpoint === 'transcription');
    chunks(c, 3, 2, 4);
    c.send({ type: 'audioEnd', turnId: 3 });
    await c.answer(3);
    expect(c.of('error', 3)).toEqual([]);
    await expect.poll(() => stt().map((r) => [r.outcome, sttBytes(r)])).toEqual([
      ['aborted', sizeOf(2)],
      ['completed', sizeOf(4)],
    ]);
    expect(c.of('transcript', 3)).toEqual([{ type: 'transcript', turnId: 3, text: heard(sizeOf(4)) }]);
    expect(lastUserMessage()).toBe(heard(sizeOf(4)));
    // Both uploads count as transcribed audio (gpt-4o-mini-transcribe bills tokens: the clips' own lengths).
    const both = (webmDurationMs(Buffer.concat(pieces.slice(0, 2))) ?? NaN) + QUESTION_MS;
    await expect.poll(() => turnLog(relay, 3)).toMatchObject({ outcome: 'ok', sttSpeculations: 1, transcribedMs: both });
    expect(turnLog(relay, 3)?.sttSpeculationUsed).toBeUndefined();
  });

  it('lets a later pause supersede (and abort) the earlier one', async () => {
    const c = await client(relay, 'superseded');
    chunks(c, 4, 0, 2);
    c.send({ type: 'speechPaused', turnId: 4, chunks: 2 });
    await fake.waitForRequest((r) => r.endpoint === 'transcription');
    chunks(c, 4, 2, 3);
    c.send({ type: 'speechPaused', turnId: 4, chunks: 3 });
    chunks(c, 4, 3, 4);
    c.send({ type: 'audioEnd', turnId: 4, pause: 3 });
    await c.answer(4);
    await expect.poll(() => stt().map((r) => [r.outcome, sttBytes(r)])).toEqual([
      ['aborted', sizeOf(2)],
      ['completed', sizeOf(3)],
    ]);
    expect(c.of('transcript', 4)[0]?.text).toBe(heard(sizeOf(3)));
    await expect.poll(() => turnLog(relay, 4)).toMatchObject({ sttSpeculations: 2, sttSpeculationUsed: true });
  });

  it('starts at most 3 speculations per recording; a pause past the cap matches nothing', async () => {
    const c = await client(relay, 'capped');
    chunks(c, 5, 0, 4);
    for (const count of [1, 2, 3, 4]) {
      c.send({ type: 'speechPaused', turnId: 5, chunks: count });
      // Each request reaches the fake before the next pause aborts it (an abort before that sends nothing).
      if (count < 4) await fake.waitForRequest(() => stt().length === count);
    }
    c.send({ type: 'audioEnd', turnId: 5, pause: 4 });
    await c.answer(5);
    // Three speculations (the first two superseded, the third dropped at AudioEnd), then the whole clip.
    await expect.poll(() => stt().length).toBe(4);
    expect(stt().map(sttBytes)).toEqual([sizeOf(1), sizeOf(2), sizeOf(3), sizeOf(4)]);
    expect(c.of('transcript', 5)[0]?.text).toBe(heard(sizeOf(4)));
    await expect.poll(() => turnLog(relay, 5)).toMatchObject({ sttSpeculations: 3 });
  });

  it('falls back to the whole clip when the speculation fails with 500, and tells the client nothing of it', async () => {
    const c = await client(relay, 'failed');
    // Both attempts of the speculation (PARLEY_UPSTREAM_RETRIES=1) fail.
    fake.failNext('transcription', { kind: 'status', status: 500 }, 2);
    chunks(c, 6, 0, 3);
    c.send({ type: 'speechPaused', turnId: 6, chunks: 3 });
    await fake.waitForRequest((r) => r.endpoint === 'transcription' && r.outcome === 'failed' && stt().length === 2);
    chunks(c, 6, 3, 4);
    c.send({ type: 'audioEnd', turnId: 6, pause: 3 });
    await c.answer(6);
    expect(c.of('error')).toEqual([]);
    expect(stt().map((r) => [r.outcome, sttBytes(r)])).toEqual([
      ['failed', sizeOf(3)],
      ['failed', sizeOf(3)],
      ['completed', sizeOf(4)],
    ]);
    expect(c.of('transcript', 6)[0]?.text).toBe(heard(sizeOf(4)));
  });

  it('aborts a running speculation when the turn is cancelled, and counts it in usage and metrics', async () => {
    const before = await metrics();
    const unused = () => sampleValue(before, 'parley_stt_speculations_total', { outcome: 'unused' }) ?? 0;
    const transcribed = (text: string) => sampleValue(text, 'parley_token_transcribed_seconds_total', { token: 'default' }) ?? 0;
    const c = await client(relay, 'cancelled');
    chunks(c, 7, 0, 3);
    c.send({ type: 'speechPaused', turnId: 7, chunks: 3 });
    await fake.waitForRequest((r) => r.endpoint === 'transcription');
    c.send({ type: 'cancel', turnId: 7 });
    await c.waitFor(is('error', 7));
    expect(c.of('error', 7)[0]?.error.code).toBe(ErrorCode.Cancelled);
    await expect.poll(() => stt().map((r) => r.outcome)).toEqual(['aborted']);
    // The aborted upload may still be billed: the recording never became a turn, yet its audio counts.
    const after = await metrics();
    expect(sampleValue(after, 'parley_stt_speculations_total', { outcome: 'unused' })).toBe(unused() + 1);
    const prefixMs = webmDurationMs(Buffer.concat(pieces.slice(0, 3))) ?? NaN;
    expect(transcribed(after) - transcribed(before)).toBeCloseTo(prefixMs / 1000, 3);
  });

  it('refuses a pause counting chunks that have not arrived, and the turn still works', async () => {
    const c = await client(relay, 'too-many');
    chunks(c, 8, 0, 2);
    c.send({ type: 'speechPaused', turnId: 8, chunks: 3 });
    const refused = await c.waitFor(is('error', 0));
    expect(refused).toMatchObject({ error: { code: ErrorCode.BadFrame } });
    chunks(c, 8, 2, 4);
    c.send({ type: 'audioEnd', turnId: 8, pause: 3 });
    await c.answer(8);
    expect(stt().map(sttBytes)).toEqual([sizeOf(4)]);
  });

  it('spends an unused speculation\'s bytes from the token\'s daily voice budget', async () => {
    const c = await client(budgeted, 'budget');
    chunks(c, 1, 0, 2);
    c.send({ type: 'speechPaused', turnId: 1, chunks: 2 });
    await fake.waitForRequest((r) => r.endpoint === 'transcription');
    chunks(c, 1, 2, 4);
    c.send({ type: 'audioEnd', turnId: 1 });
    await c.answer(1);
    // Left: 10 bytes. Without counting the speculation, sizeOf(2) + 10 would be, and the next clip would fit.
    chunks(c, 2, 0, 1);
    c.send({ type: 'audioEnd', turnId: 2 });
    const refused = await c.waitFor(is('error', 2));
    expect(refused).toMatchObject({ error: { code: ErrorCode.AudioBudgetExceeded } });
  });

  it('ignores pauses with PARLEY_STT_SPECULATIVE=off: one STT request of the whole clip at AudioEnd', async () => {
    const c = await client(off, 'off');
    chunks(c, 1, 0, 3);
    c.send({ type: 'speechPaused', turnId: 1, chunks: 3 });
    chunks(c, 1, 3, 4);
    // Long enough for a speculation to have started, had there been one.
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(stt()).toEqual([]);
    c.send({ type: 'audioEnd', turnId: 1, pause: 3 });
    await c.answer(1);
    expect(c.of('error')).toEqual([]);
    expect(stt().map((r) => [r.outcome, sttBytes(r)])).toEqual([['completed', sizeOf(4)]]);
    expect(c.of('transcript', 1)[0]?.text).toBe(heard(sizeOf(4)));
  });

  it('leaves legacy clients unchanged: no SpeechPaused frame, one transcription at AudioEnd', async () => {
    const c = await client(relay, 'legacy', 'legacy');
    for (const data of pieces) c.send({ type: 'audioChunk', turnId: 0, data });
    c.send({ type: 'audioEnd', turnId: 0 });
    const answer = await c.answer(0);
    expect(answer).not.toBe('');
    expect(stt().map((r) => [r.outcome, sttBytes(r)])).toEqual([['completed', sizeOf(4)]]);
    c.sendRaw(new Uint8Array([ClientFrame.SpeechPaused, 0, 0, 0, 1, 0, 0, 0, 1]));
    const refused = await c.waitFor(is('error'));
    expect(refused.type === 'error' && refused.error.message).toMatch(/Unknown frame type 0x0c/);
  });
});
