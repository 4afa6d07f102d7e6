import { readFile } from 'node:fs/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { ErrorCode } from '../../../protocol/index.ts';
import { tokenize, type FakeOpenAI, type TranscriptionRequestBody } from '../../fakes/fake-openai.ts';
import { rejection, startUpstream } from './helpers.ts';

const QUESTION = 'What is the capital of France?';
const webm = async () => new Uint8Array(await readFile(new URL('../../fixtures/question.webm', import.meta.url)));
let fake: FakeOpenAI | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

async function setup(...args: Parameters<typeof startUpstream>) {
  const started = await startUpstream({ transcript: () => QUESTION, ...args[0] }, args[1]);
  fake = started.fake;
  return started;
}

const stt = (audio: Uint8Array, extra: { mimeType?: string; language?: string; signal?: AbortSignal } = {}) => ({
  audio,
  mimeType: extra.mimeType ?? 'audio/webm;codecs=opus',
  model: 'gpt-4o-mini-transcribe',
  signal: extra.signal ?? new AbortController().signal,
  ...(extra.language === undefined ? {} : { language: extra.language }),
});

const tts = (extra: { format?: 'mp3' | 'wav'; signal?: AbortSignal } = {}) => ({
  text: 'The capital of France is Paris.',
  model: 'gpt-4o-mini-tts',
  voice: 'alloy',
  signal: extra.signal ?? new AbortController().signal,
  ...(extra.format ? { format: extra.format } : {}),
});

describe('upstream transcription', () => {
  it('uploads the recording with a matching file name and returns the text', async () => {
    const { fake, upstream } = await setup();
    await expect(upstream.transcribe(stt(await webm(), { language: '' }))).resolves.toBe(QUESTION);
    const body = fake.requests[0]?.body as TranscriptionRequestBody;
    expect(body).toMatchObject({ model: 'gpt-4o-mini-transcribe', filename: 'recording.webm', contentType: 'audio/webm', response_format: 'json' });
    expect(body.language).toBeUndefined();
  });

  it('passes a language and names ogg and wav uploads by their type', async () => {
    const { fake, upstream } = await setup();
    const wav = new Uint8Array([...new TextEncoder().encode('RIFF'), 36, 0, 0, 0, ...new TextEncoder().encode('WAVEfmt '), 0, 0, 0, 0]);
    await upstream.transcribe(stt(wav, { mimeType: 'audio/wav', language: 'fr' }));
    const ogg = new Uint8Array([...new TextEncoder().encode('OggS'), 0, 2, 0, 0, 0, 0]);
    await upstream.transcribe(stt(ogg, { mimeType: 'audio/ogg;codecs=opus' }));
    expect(fake.requests.map((r) => (r.body as TranscriptionRequestBody).filename)).toEqual(['recording.wav', 'recording.ogg']);
    expect((fake.requests[0]?.body as TranscriptionRequestBody).language).toBe('fr');
  });

  it('reports undecodable and empty recordings as BAD_AUDIO, without retrying', async () => {
    const { fake, upstream } = await setup();
    const garbage = await rejection(upstream.transcribe(stt(new TextEncoder().encode('definitely not audio'))));
    expect(garbage.info).toMatchObject({ code: ErrorCode.BadAudio, retryable: false });
    expect(garbage.info.message).toMatch(/could not be decoded/);
    const empty = await rejection(upstream.transcribe(stt(new Uint8Array(0))));
    expect(empty.info).toMatchObject({ code: ErrorCode.BadAudio, retryable: false });
    expect(empty.info.message).toMatch(/too short/);
    expect(fake.requests).toHaveLength(2);
  });

  it('maps 413 to AUDIO_TOO_LARGE', async () => {
    const { fake, upstream } = await setup();
    fake.failNext('transcription', { kind: 'status', status: 413 });
    const error = await rejection(upstream.transcribe(stt(await webm())));
    expect(error.info.code).toBe(ErrorCode.AudioTooLarge);
  });

  it('retries a 500 with a fresh upload', async () => {
    const { fake, upstream } = await setup();
    fake.failNext('transcription', { kind: 'status', status: 500 });
    await expect(upstream.transcribe(stt(await webm()))).resolves.toBe(QUESTION);
    expect(fake.requests.map((r) => r.outcome)).toEqual(['failed', 'completed']);
  });

  it('abandons a stalled transcription with UPSTREAM_TIMEOUT', async () => {
    const { fake, upstream } = await setup({}, { timeoutMs: 300 });
    fake.failNext('transcription', { kind: 'stall' });
    const error = await rejection(upstream.transcribe(stt(await webm())));
    expect(error.info.code).toBe(ErrorCode.UpstreamTimeout);
    await fake.waitForRequest((r) => r.outcome === 'aborted');
  });
});

describe('upstream streamed transcription', () => {
  it('asks for stream=true, reports the text so far after every delta and returns the done text', async () => {
    const { fake, upstream } = await setup({ transcript: () => `  ${QUESTION}  ` });
    const partials: string[] = [];
    await expect(upstream.transcribe({ ...stt(await webm(), { language: 'en' }), onPartial: (text) => partials.push(text) })).resolves.toBe(QUESTION);
    const pieces = tokenize(`  ${QUESTION}  `);
    expect(partials).toEqual(pieces.map((_, i) => pieces.slice(0, i + 1).join('')));
    expect(fake.requests[0]?.body).toMatchObject({ stream: 'true', language: 'en', response_format: 'json', filename: 'recording.webm' });
  });

  it('reports a stream that ends without its done event as UPSTREAM_CUT, after retrying', async () => {
    const { fake, upstream } = await setup({}, { maxRetries: 1 });
    fake.failNext('transcription', { kind: 'endWithoutFinish' }, 2);
    const partials: string[] = [];
    const error = await rejection(upstream.transcribe({ ...stt(await webm()), onPartial: (text) => partials.push(text) }));
    expect(error.info).toMatchObject({ code: ErrorCode.UpstreamCut, retryable: true });
    expect(error.info.message).toMatch(/transcription stopped before it was complete/);
    expect(partials.length).toBeGreaterThanOrEqual(2);
    expect(fake.requests).toHaveLength(2);
  });

  it('cancels a streaming transcription mid-stream, and delivers nothing after the abort', async () => {
    const { fake, upstream } = await setup({ latency: { sttPerTokenMs: 50 } });
    const turn = new AbortController();
    const partials: string[] = [];
    const pending = rejection(
      upstream.transcribe({
        ...stt(await webm(), { signal: turn.signal }),
        onPartial: (text) => {
          partials.push(text);
          turn.abort();
        },
      }),
    );
    expect((await pending).info.code).toBe(ErrorCode.Cancelled);
    expect(partials).toHaveLength(1);
    await fake.waitForRequest((r) => r.outcome === 'aborted');
  });
});

describe('upstream speech', () => {
  it('returns mp3 bytes by default and wav on request', async () => {
    const { fake, upstream } = await setup();
    const mp3 = await upstream.speak(tts());
    expect(mp3.byteLength).toBeGreaterThan(100);
    // An ID3 tag or an MPEG frame sync.
    expect(new TextDecoder().decode(mp3.subarray(0, 3)) === 'ID3' || (mp3[0] === 0xff && ((mp3[1] ?? 0) & 0xe0) === 0xe0)).toBe(true);
    const wav = await upstream.speak(tts({ format: 'wav' }));
    expect(new TextDecoder().decode(wav.subarray(0, 4))).toBe('RIFF');
    expect(fake.requests[0]?.body).toMatchObject({ model: 'gpt-4o-mini-tts', voice: 'alloy', input: 'The capital of France is Paris.', response_format: 'mp3' });
  });

  it('cancels an in-flight synthesis and OpenAI sees the request closed', async () => {
    const { fake, upstream } = await setup({ latency: { ttsMs: 5_000 } });
    const turn = new AbortController();
    const pending = rejection(upstream.speak(tts({ signal: turn.signal })));
    await fake.waitForRequest((r) => r.endpoint === 'speech');
    turn.abort();
    expect((await pending).info.code).toBe(ErrorCode.Cancelled);
    await fake.waitForRequest((r) => r.outcome === 'aborted');
  });

  it('does not retry a refused key', async () => {
    const { fake, upstream } = await setup({}, { apiKey: 'sk-wrong-0123456789' });
    const error = await rejection(upstream.speak(tts()));
    expect(error.info.code).toBe(ErrorCode.UpstreamAuth);
    expect(error.info.message).not.toContain('sk-');
    expect(fake.requests).toHaveLength(1);
  });
});
