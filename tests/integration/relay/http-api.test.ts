// The original v1 HTTP API and /healthz, over a real socket.
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultTranscript, startFakeOpenAI, type FakeOpenAI } from '../../fakes/fake-openai.ts';
import { startRelay, type RelayProcess } from '../../helpers/relay-process.ts';
import { connectClient, is } from '../../helpers/ws-client.ts';

let fake: FakeOpenAI;
let relay: RelayProcess;

beforeAll(async () => {
  fake = await startFakeOpenAI({ apiKey: 'sk-http-test-key-0123456789' });
  relay = await startRelay({ fake, env: { PARLEY_MAX_AUDIO_BYTES: '100000' } });
});
afterAll(async () => {
  await relay?.dispose();
  await fake?.close();
});

function post(body: string | object, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${relay.httpUrl}/api/message`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${relay.token}`, 'Content-Type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

describe('GET /healthz', () => {
  it('answers without auth', async () => {
    const res = await fetch(`${relay.httpUrl}/healthz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ ok: true, version: expect.any(String), uptimeS: expect.any(Number), connections: 0 });
  });
});

describe('POST /api/message', () => {
  it('answers a text message with the text and the whole answer as mp3', async () => {
    const res = await post({ id: 'http-client', message: 'What is the capital of France?' });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { answer: string; audio: string | null };
    expect(body.answer).toContain('The capital of France is Paris.');
    const audio = Buffer.from(body.audio ?? '', 'base64');
    expect(audio.byteLength).toBeGreaterThan(1000);
    // mp3: an ID3 tag or a frame sync at the start.
    expect(audio.subarray(0, 3).toString('latin1') === 'ID3' || (audio[0] === 0xff && ((audio[1] ?? 0) & 0xe0) === 0xe0)).toBe(true);
  });

  it('answers audio, and shares history with a WebSocket session of the same id', async () => {
    const webm = await readFile(new URL('../../fixtures/question.webm', import.meta.url));
    const res = await post({ id: 'shared-id', audio: webm.toString('base64') });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { answer: string }).answer).toContain(`You asked: "${defaultTranscript()}"`);

    const ws = await connectClient(relay.wsUrl, { dialect: 'v1', token: relay.token });
    ws.send({ type: 'setClientId', clientId: 'shared-id' });
    expect((await ws.waitFor(is('ok'))).info?.historyLength).toBe(2);
    ws.send({ type: 'settings', settings: { speech: false } });
    ws.send({ type: 'userText', turnId: 1, text: 'and Germany?' });
    expect(await ws.answer(1)).toContain(`Earlier you asked: "${defaultTranscript()}"`);
    await ws.close();
  });

  it('refuses a missing or wrong token with 401 and makes no upstream request', async () => {
    const before = fake.requests.length;
    for (const auth of [undefined, 'Bearer nope-nope-nope-nope', `Basic ${relay.token}`]) {
      const res = await fetch(`${relay.httpUrl}/api/message`, {
        method: 'POST',
        headers: auth === undefined ? {} : { Authorization: auth },
        body: JSON.stringify({ id: 'x', message: 'hi' }),
      });
      expect(res.status).toBe(401);
      expect(((await res.json()) as { error: string }).error).toMatch(/token/);
    }
    expect(fake.requests.length).toBe(before);
  });

  it.each([
    ['no id', { message: 'hi' }, /"id"/],
    ['empty id', { id: '', message: 'hi' }, /"id"/],
    ['neither', { id: 'a' }, /"message".*"audio"/],
    ['both', { id: 'a', message: 'hi', audio: 'AAAA' }, /not both/],
    ['bad base64', { id: 'a', audio: '***not base64***' }, /base64/],
    ['bad JSON', '{"id": "a", ', /JSON/],
    ['not an object', '[1,2]', /object/],
    ['empty message', { id: 'a', message: '  ' }, /empty/],
  ])('400 for %s with a clear message', async (_name, body, pattern) => {
    const before = fake.requests.length;
    const res = await post(body);
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: string }).error).toMatch(pattern);
    expect(fake.requests.length).toBe(before);
  });

  it('413 for a body over the cap', async () => {
    const res = await post({ id: 'a', audio: 'A'.repeat(300_000) });
    expect(res.status).toBe(413);
  });

  it('same origin policy as the WebSocket: web pages refused, extensions get CORS', async () => {
    const web = await post({ id: 'a', message: 'hi' }, { Origin: 'https://evil.example' });
    expect(web.status).toBe(403);
    expect(web.headers.get('access-control-allow-origin')).toBeNull();
    const preflight = await fetch(`${relay.httpUrl}/api/message`, { method: 'OPTIONS', headers: { Origin: 'chrome-extension://abc' } });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe('chrome-extension://abc');
  });
});
