// @vitest-environment node
// The fake OpenAI's transcription and speech endpoints, driven by the real openai SDK;
// speech output is checked with ffprobe/ffmpeg to prove it is real, decodable audio.
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import OpenAI, { APIUserAbortError, BadRequestError, toFile } from 'openai';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { defaultTranscript, speechDurationMs, startFakeOpenAI, type FakeOpenAI } from '../../fakes/fake-openai.ts';

const run = promisify(execFile);
const fixture = (name: string): Promise<Buffer> => readFile(new URL(`../../fixtures/${name}`, import.meta.url));

let fake: FakeOpenAI;
let client: OpenAI;
let dir: string;

beforeAll(async () => {
  fake = await startFakeOpenAI();
  client = new OpenAI({ apiKey: fake.apiKey, baseURL: fake.baseURL, maxRetries: 0 });
  dir = await mkdtemp(join(tmpdir(), 'fake-openai-audio-'));
});
afterEach(() => fake.reset());
afterAll(async () => {
  await fake.close();
  await rm(dir, { recursive: true, force: true });
});

describe('transcriptions', () => {
  it('transcribes a real webm recording and records the upload', async () => {
    const webm = await fixture('question.webm');
    const result = await client.audio.transcriptions.create({
      file: await toFile(webm, 'recording.webm', { type: 'audio/webm' }),
      model: 'gpt-4o-mini-transcribe',
      language: 'en',
    });
    expect(result.text).toBe(defaultTranscript());
    const record = await fake.waitForRequest((r) => r.outcome === 'completed');
    expect(record.body).toEqual({ model: 'gpt-4o-mini-transcribe', language: 'en', filename: 'recording.webm', contentType: 'audio/webm', bytes: webm.length });
  });

  it('passes the uploaded bytes to a custom transcript function and honours response_format text', async () => {
    const webm = await fixture('question.webm');
    const custom = await startFakeOpenAI({ transcript: ({ bytes, filename, model }) => `${filename} ${model} ${bytes.length}` });
    try {
      const customClient = new OpenAI({ apiKey: custom.apiKey, baseURL: custom.baseURL, maxRetries: 0 });
      const text = await customClient.audio.transcriptions.create({
        file: await toFile(webm, 'a.webm', { type: 'audio/webm' }),
        model: 'whisper-1',
        response_format: 'text',
      });
      expect(text.trim()).toBe(`a.webm whisper-1 ${webm.length}`);
    } finally {
      await custom.close();
    }
  });

  it.each([
    ['an empty file', new Uint8Array(0), 'recording.webm', 'audio_too_short'],
    ['bytes that are not audio', new TextEncoder().encode('definitely not a webm file'), 'recording.webm', 'invalid_file_format'],
    ['a file without an audio extension', new Uint8Array([0x1a, 0x45, 0xdf, 0xa3, 0]), 'recording.txt', 'invalid_file_format'],
  ])('refuses %s with a 400', async (_label, bytes, filename, code) => {
    const error: unknown = await client.audio.transcriptions
      .create({ file: await toFile(bytes, filename, { type: 'audio/webm' }), model: 'whisper-1' })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BadRequestError);
    expect(error).toMatchObject({ status: 400, code, param: 'file', type: 'invalid_request_error' });
  });

  it('refuses files over 25 MB with a 413', async () => {
    const big = new Uint8Array(25 * 1024 * 1024 + 1);
    big.set([0x1a, 0x45, 0xdf, 0xa3]);
    const error: unknown = await client.audio.transcriptions
      .create({ file: await toFile(big, 'recording.webm', { type: 'audio/webm' }), model: 'whisper-1' })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ status: 413 });
  }, 20_000);

  it('stalls until the client aborts', async () => {
    fake.failNext('transcription', { kind: 'stall' });
    const controller = new AbortController();
    const pending = client.audio.transcriptions
      .create({ file: await toFile(await fixture('question.webm'), 'recording.webm'), model: 'whisper-1' }, { signal: controller.signal })
      .catch((e: unknown) => e);
    await fake.waitForRequest((r) => r.endpoint === 'transcription' && r.body !== undefined);
    controller.abort();
    expect(await pending).toBeInstanceOf(APIUserAbortError);
    await fake.waitForRequest((r) => r.outcome === 'aborted');
  });
});

async function probeSeconds(audio: Buffer, name: string): Promise<number> {
  const path = join(dir, name);
  await writeFile(path, audio);
  // A full decode must be clean, not just the header.
  const decode = await run('ffmpeg', ['-v', 'error', '-i', path, '-f', 'null', '-']);
  expect(decode.stderr).toBe('');
  const { stdout } = await run('ffprobe', ['-v', 'error', '-show_entries', 'format=duration', '-of', 'csv=p=0', path]);
  return Number(stdout.trim());
}

async function speak(input: string, format: 'mp3' | 'wav'): Promise<{ audio: Buffer; contentType: string | null }> {
  const response = await client.audio.speech.create({ model: 'gpt-4o-mini-tts', voice: 'alloy', input, response_format: format });
  return { audio: Buffer.from(await response.arrayBuffer()), contentType: response.headers.get('content-type') };
}

describe('speech', () => {
  const short = 'Hi.';
  const long = 'The capital of France is Paris. You asked about it twice, e.g. just now.';

  it.each([
    ['mp3', 'audio/mpeg'],
    ['wav', 'audio/wav'],
  ] as const)('returns decodable %s whose duration scales with the input', async (format, contentType) => {
    const a = await speak(short, format);
    const b = await speak(long, format);
    expect(a.contentType).toBe(contentType);
    const shortSeconds = await probeSeconds(a.audio, `short.${format}`);
    const longSeconds = await probeSeconds(b.audio, `long.${format}`);
    // mp3 rounds up to whole 24 ms frames.
    expect(shortSeconds).toBeGreaterThanOrEqual(speechDurationMs(short) / 1000);
    expect(shortSeconds).toBeLessThan(speechDurationMs(short) / 1000 + 0.05);
    expect(longSeconds).toBeGreaterThanOrEqual(speechDurationMs(long) / 1000);
    expect(longSeconds).toBeLessThan(speechDurationMs(long) / 1000 + 0.05);
    expect(speechDurationMs(long)).toBe(long.length * 60);
    expect(speechDurationMs(short)).toBe(300);
  }, 20_000);

  it('refuses input over 4096 characters with a 400', async () => {
    await expect(speak('a'.repeat(4097), 'mp3')).rejects.toMatchObject({ status: 400, param: 'input' });
    await expect(speak('a'.repeat(4096), 'mp3')).resolves.toMatchObject({ contentType: 'audio/mpeg' });
  });

  it('fails speech requests on demand', async () => {
    fake.failNext('speech', { kind: 'status', status: 500 });
    await expect(speak(short, 'mp3')).rejects.toMatchObject({ status: 500, type: 'server_error' });
    expect(fake.requests[0]).toMatchObject({ endpoint: 'speech', outcome: 'failed', body: { input: short, voice: 'alloy' } });
  });
});
