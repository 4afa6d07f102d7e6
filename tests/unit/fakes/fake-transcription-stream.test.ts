// @vitest-environment node
// The fake's streamed transcriptions (stream=true), read by the real openai SDK and, for the exact
// bytes on the wire, by plain fetch: event shapes, pacing, whisper-1 ignoring `stream`, failures.
import { readFile } from 'node:fs/promises';
import OpenAI, { toFile } from 'openai';
import type { TranscriptionStreamEvent } from 'openai/resources/audio/transcriptions';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startFakeOpenAI, tokenize, type FakeOpenAI } from '../../fakes/fake-openai.ts';

const TRANSCRIPT = 'What is the capital of France?';
const PIECES = tokenize(TRANSCRIPT);

let fake: FakeOpenAI;
let client: OpenAI;
let webm: Buffer;

beforeAll(async () => {
  fake = await startFakeOpenAI({ transcript: () => TRANSCRIPT });
  client = new OpenAI({ apiKey: fake.apiKey, baseURL: fake.baseURL, maxRetries: 0 });
  webm = await readFile(new URL('../../fixtures/question.webm', import.meta.url));
});
afterEach(() => fake.reset());
afterAll(() => fake.close());

const file = () => toFile(webm, 'recording.webm', { type: 'audio/webm' });

async function collect(model: string, extra: { include?: Array<'logprobs'> } = {}): Promise<TranscriptionStreamEvent[]> {
  const stream = await client.audio.transcriptions.create({ file: await file(), model, response_format: 'json', stream: true, ...extra });
  const events: TranscriptionStreamEvent[] = [];
  for await (const event of stream) events.push(event);
  return events;
}

/** The raw response to a hand-made multipart request, as a server-sent events parser would see it. */
async function raw(model: string): Promise<{ contentType: string | null; body: string }> {
  const form = new FormData();
  form.set('file', new Blob([new Uint8Array(webm)], { type: 'audio/webm' }), 'recording.webm');
  form.set('model', model);
  form.set('stream', 'true');
  const response = await fetch(`${fake.baseURL}/audio/transcriptions`, { method: 'POST', headers: { authorization: `Bearer ${fake.apiKey}` }, body: form });
  return { contentType: response.headers.get('content-type'), body: await response.text() };
}

describe('streamed transcriptions', () => {
  it('sends transcript.text.delta events that add up to the text, then transcript.text.done with token usage', async () => {
    const events = await collect('gpt-4o-mini-transcribe');
    const deltas = events.filter((e) => e.type === 'transcript.text.delta');
    expect(deltas.map((e) => e.delta)).toEqual(PIECES);
    expect(events.at(-1)).toEqual({
      type: 'transcript.text.done',
      text: TRANSCRIPT,
      usage: { type: 'tokens', input_tokens: 10, input_token_details: { text_tokens: 0, audio_tokens: 10 }, output_tokens: PIECES.length, total_tokens: 10 + PIECES.length },
    });
    expect(events).toHaveLength(PIECES.length + 1);
    expect(fake.requests[0]).toMatchObject({ outcome: 'completed', body: { stream: 'true', model: 'gpt-4o-mini-transcribe' } });
  });

  it('puts only data lines on the wire, as text/event-stream', async () => {
    const { contentType, body } = await raw('gpt-4o-transcribe');
    expect(contentType).toMatch(/^text\/event-stream/);
    const blocks = body.trim().split('\n\n');
    expect(blocks.every((block) => block.startsWith('data: {') && !block.includes('\n'))).toBe(true);
    expect(JSON.parse(blocks[0]?.slice(6) ?? '')).toEqual({ type: 'transcript.text.delta', delta: PIECES[0] });
  });

  it('adds logprobs to every event when include[] asks for them', async () => {
    const events = await collect('gpt-4o-transcribe', { include: ['logprobs'] });
    const first = events[0];
    expect(first?.type === 'transcript.text.delta' ? first.logprobs?.[0] : undefined).toMatchObject({ token: PIECES[0], logprob: expect.any(Number) });
    const done = events.at(-1);
    expect(done?.type === 'transcript.text.done' ? done.logprobs : undefined).toHaveLength(PIECES.length);
  });

  it('ignores stream=true for whisper-1 and answers JSON, as OpenAI documents', async () => {
    const { contentType, body } = await raw('whisper-1');
    expect(contentType).toBe('application/json');
    expect(JSON.parse(body)).toEqual({ text: TRANSCRIPT, usage: { type: 'duration', seconds: 1 } });
  });

  it('paces pieces sttPerTokenMs apart, and the JSON answer waits for all of them', async () => {
    fake.setLatency({ sttMs: 0, sttPerTokenMs: 40 });
    const arrivals: number[] = [];
    const started = performance.now();
    const stream = await client.audio.transcriptions.create({ file: await file(), model: 'gpt-4o-mini-transcribe', stream: true });
    for await (const event of stream) if (event.type === 'transcript.text.delta') arrivals.push(performance.now() - started);
    expect(arrivals).toHaveLength(PIECES.length);
    // Piece k is due k × 40 ms in (timers never fire early; a loaded machine only delays them), so the
    // first words come before the whole text, and the last piece no sooner than the JSON answer below.
    expect(arrivals[0]).toBeGreaterThanOrEqual(40 - 5);
    expect(arrivals[0]).toBeLessThan(arrivals.at(-1) ?? 0);
    expect(arrivals.at(-1)).toBeGreaterThanOrEqual(40 * PIECES.length - 5);

    const jsonStarted = performance.now();
    await client.audio.transcriptions.create({ file: await file(), model: 'gpt-4o-mini-transcribe' });
    expect(performance.now() - jsonStarted).toBeGreaterThanOrEqual(40 * PIECES.length - 5);
  });

  it('breaks a stream halfway on injected failures, after at least one delta', async () => {
    fake.failNext('transcription', { kind: 'endWithoutFinish' });
    const ended = await collect('gpt-4o-mini-transcribe');
    expect(ended.length).toBeGreaterThanOrEqual(1);
    expect(ended.every((e) => e.type === 'transcript.text.delta')).toBe(true);
    expect(ended.length).toBeLessThan(PIECES.length);

    fake.failNext('transcription', { kind: 'midStreamError' });
    await expect(collect('gpt-4o-mini-transcribe')).rejects.toThrow(/server had an error/);

    fake.failNext('transcription', { kind: 'cut' });
    await expect(collect('gpt-4o-mini-transcribe')).rejects.toThrow();

    fake.failNext('transcription', { kind: 'status', status: 500 });
    await expect(collect('gpt-4o-mini-transcribe')).rejects.toMatchObject({ status: 500 });
    expect(fake.requests.map((r) => r.outcome)).toEqual(['failed', 'failed', 'failed', 'failed']);
  });

  it('goes silent mid-stream on a stall until the client aborts', async () => {
    fake.failNext('transcription', { kind: 'stall' });
    const controller = new AbortController();
    const stream = await client.audio.transcriptions.create({ file: await file(), model: 'gpt-4o-mini-transcribe', stream: true }, { signal: controller.signal });
    const seen: string[] = [];
    const reading = (async () => {
      for await (const event of stream) if (event.type === 'transcript.text.delta') seen.push(event.delta);
    })();
    await expect.poll(() => seen.length).toBeGreaterThan(0);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(seen.length).toBeLessThan(PIECES.length);
    controller.abort();
    await reading.catch(() => undefined);
    await fake.waitForRequest((r) => r.outcome === 'aborted');
  });
});
