// Streamed transcription (PARLEY_STT_STREAM, issue 11): the real relay and the real openai SDK against
// the fake's transcript.text.delta / transcript.text.done events. parley.v1 clients see the transcript
// grow (TranscriptPartial) before the final Transcript and the answer; only the final text enters history;
// whisper-1, PARLEY_STT_STREAM=off and legacy clients keep the unstreamed request; failures mid-stream
// end the turn with the same errors as an unstreamed transcription.
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ErrorCode, LEGACY_SERVER_TYPES, type ServerMessage } from '../../../protocol/index.ts';
import { startFakeOpenAI, tokenize, type FakeOpenAI, type TranscriptionRequestBody } from '../../fakes/fake-openai.ts';
import { startRelay, type RelayProcess } from '../../helpers/relay-process.ts';
import { is, openTestSession, type TestClient } from '../../helpers/ws-client.ts';

const TRANSCRIPT = 'Could you tell me what the capital of France is, please?';
// ffprobe -show_entries format=duration tests/fixtures/question.webm → 1.866000
const QUESTION_MS = 1866;
const WHISPER_SECONDS = 2.5;

let fake: FakeOpenAI;
let streaming: RelayProcess;
let whisper: RelayProcess;
let off: RelayProcess;
let webm: Uint8Array;
const clients: TestClient[] = [];

const client = (relay: RelayProcess, clientId: string, dialect: 'v1' | 'legacy' = 'v1'): Promise<TestClient> =>
  openTestSession(relay, clientId, { dialect, track: clients });

function speak(c: TestClient, turnId: number): void {
  c.send({ type: 'audioChunk', turnId, data: webm });
  c.send({ type: 'audioEnd', turnId });
}

const sttBodies = () => fake.requests.filter((r) => r.endpoint === 'transcription').map((r) => r.body as TranscriptionRequestBody);
const lastUserMessage = () => {
  const body = fake.requests.filter((r) => r.endpoint === 'chat').at(-1)?.body as { messages: Array<{ role: string; content: string }> } | undefined;
  return body?.messages.filter((m) => m.role === 'user').map((m) => m.content);
};
const turnLog = (relay: RelayProcess, turnId: number) => relay.jsonLogs().find((line) => line.msg === 'turn' && line.turnId === turnId);

beforeAll(async () => {
  webm = new Uint8Array(await readFile(new URL('../../fixtures/question.webm', import.meta.url)));
  fake = await startFakeOpenAI({
    apiKey: 'sk-stream-test-key-0123456789',
    transcript: () => TRANSCRIPT,
    transcriptionSeconds: WHISPER_SECONDS,
    latency: { firstTokenMs: 5, perTokenMs: 1, sttMs: 5, sttPerTokenMs: 5, ttsMs: 1 },
  });
  const quick = { PARLEY_UPSTREAM_RETRIES: '1', PARLEY_UPSTREAM_RETRY_BASE_MS: '5', PARLEY_UPSTREAM_TIMEOUT_MS: '1500' };
  [streaming, whisper, off] = await Promise.all([
    startRelay({ fake, env: quick }),
    startRelay({ fake, env: { ...quick, PARLEY_STT_MODEL: 'whisper-1' } }),
    startRelay({ fake, env: { ...quick, PARLEY_STT_STREAM: 'off' } }),
  ]);
});
beforeEach(() => fake.reset());
afterAll(async () => {
  await Promise.all(clients.map((c) => c.close()));
  await Promise.all([streaming, whisper, off].map((r) => r?.dispose()));
  await fake?.close();
});

describe('streamed transcription', () => {
  it('sends the transcript as it grows, in order, before the final Transcript and the answer', async () => {
    const c = await client(streaming, 'grows');
    speak(c, 7);
    await c.answer(7);
    const frames = c.frames.filter((f): f is Extract<ServerMessage, { turnId: number }> => 'turnId' in f && f.turnId === 7);
    const partials = c.of('transcriptPartial', 7).map((f) => f.text);
    // One partial per delta, each the text so far: the pieces in order, nothing repeated or lost.
    const pieces = tokenize(TRANSCRIPT);
    expect(partials).toEqual(pieces.map((_, i) => pieces.slice(0, i + 1).join('')));
    const kinds = frames.map((f) => f.type);
    expect(kinds.lastIndexOf('transcriptPartial')).toBeLessThan(kinds.indexOf('transcript'));
    expect(kinds.indexOf('transcript')).toBeLessThan(kinds.indexOf('textChunk'));
    expect(c.of('transcript', 7)).toEqual([{ type: 'transcript', turnId: 7, text: TRANSCRIPT }]);
    expect(sttBodies()).toEqual([expect.objectContaining({ model: 'gpt-4o-mini-transcribe', stream: 'true', response_format: 'json' })]);
  });

  it('puts only the final text in history, and still accounts the audio', async () => {
    const c = await client(streaming, 'history');
    speak(c, 1);
    await c.answer(1);
    c.send({ type: 'userText', turnId: 2, text: 'And Italy?' });
    await c.answer(2);
    expect(lastUserMessage()).toEqual([TRANSCRIPT, 'And Italy?']);
    // Token-billed: the transcribed time is the recording's own length, as without streaming.
    await expect.poll(() => turnLog(streaming, 1)).toMatchObject({ kind: 'voice', outcome: 'ok', transcribedMs: QUESTION_MS, firstPartialMs: expect.any(Number), sttMs: expect.any(Number) });
    const log = turnLog(streaming, 1) as { firstPartialMs: number; sttMs: number };
    expect(log.firstPartialMs).toBeLessThan(log.sttMs);
  });

  it('restarts the partials when a transcription cut mid-stream is retried, and answers the full text', async () => {
    const c = await client(streaming, 'retried');
    fake.failNext('transcription', { kind: 'cut' });
    speak(c, 3);
    await c.answer(3);
    expect(c.of('error', 3)).toEqual([]);
    const partials = c.of('transcriptPartial', 3).map((f) => f.text);
    // The first attempt got halfway; the retry starts again from the first piece.
    const restart = partials.findIndex((text, i) => i > 0 && text.length < (partials[i - 1]?.length ?? 0));
    expect(restart).toBeGreaterThan(0);
    expect(partials.at(-1)).toBe(TRANSCRIPT);
    expect(c.of('transcript', 3)[0]?.text).toBe(TRANSCRIPT);
    expect(fake.requests.filter((r) => r.endpoint === 'transcription').map((r) => r.outcome)).toEqual(['failed', 'completed']);
  });

  it.each([
    ['a cut connection', { kind: 'cut' } as const, ErrorCode.UpstreamUnavailable],
    ['an error event', { kind: 'midStreamError' } as const, ErrorCode.UpstreamUnavailable],
    ['a stream without its done event', { kind: 'endWithoutFinish' } as const, ErrorCode.UpstreamCut],
    ['a 500 before the stream', { kind: 'status', status: 500 } as const, ErrorCode.UpstreamUnavailable],
  ])('ends the turn with a clear error after %s (retried once first), and asks nothing of the chat model', async (_name, failure, code) => {
    const c = await client(streaming, `fails-${failure.kind}`);
    fake.failNext('transcription', failure, 2);
    speak(c, 4);
    const error = await c.waitFor(is('error', 4));
    expect(error.error).toMatchObject({ code, retryable: true, message: expect.stringMatching(/transcription/) });
    expect(c.of('transcript', 4)).toEqual([]);
    expect(c.of('textEnd', 4)).toEqual([]);
    expect(fake.requests.filter((r) => r.endpoint === 'chat')).toEqual([]);
    expect(fake.requests.filter((r) => r.endpoint === 'transcription')).toHaveLength(2);
    // The connection stays usable.
    c.send({ type: 'userText', turnId: 5, text: 'Still there?' });
    expect(await c.answer(5)).toContain('Still there?');
  });

  it('abandons a transcription that goes silent mid-stream with UPSTREAM_TIMEOUT', async () => {
    const c = await client(streaming, 'stalls');
    fake.failNext('transcription', { kind: 'stall' });
    speak(c, 6);
    const error = await c.waitFor(is('error', 6), 10_000);
    expect(error.error.code).toBe(ErrorCode.UpstreamTimeout);
    expect(c.of('transcriptPartial', 6).length).toBeGreaterThan(0);
    await fake.waitForRequest((r) => r.endpoint === 'transcription' && r.outcome === 'aborted');
  });

  it('keeps the whisper-1 request unstreamed, with its billed duration', async () => {
    const c = await client(whisper, 'whisper');
    speak(c, 1);
    await c.answer(1);
    expect(c.of('transcriptPartial')).toEqual([]);
    expect(c.of('transcript', 1)[0]?.text).toBe(TRANSCRIPT);
    expect(sttBodies()).toHaveLength(1);
    expect(sttBodies()[0]).toMatchObject({ model: 'whisper-1', response_format: 'json' });
    expect(sttBodies()[0]?.stream).toBeUndefined();
    await expect.poll(() => turnLog(whisper, 1)).toMatchObject({ transcribedMs: WHISPER_SECONDS * 1000 });
    expect(turnLog(whisper, 1)?.firstPartialMs).toBeUndefined();
  });

  it('does not stream with PARLEY_STT_STREAM=off', async () => {
    const c = await client(off, 'off');
    speak(c, 1);
    await c.answer(1);
    expect(c.of('transcriptPartial')).toEqual([]);
    expect(c.of('transcript', 1)[0]?.text).toBe(TRANSCRIPT);
    expect(sttBodies()[0]?.stream).toBeUndefined();
  });

  it('leaves legacy clients unchanged: no new frame, and an unstreamed request', async () => {
    const c = await client(streaming, 'legacy', 'legacy');
    speak(c, 0);
    expect(await c.answer(0)).toContain(`You asked: "${TRANSCRIPT}"`);
    expect(c.frames.every((f) => LEGACY_SERVER_TYPES.has(f.type))).toBe(true);
    expect(sttBodies()[0]?.stream).toBeUndefined();
  });
});
