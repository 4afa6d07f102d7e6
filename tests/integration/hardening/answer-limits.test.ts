// Issue 10: what a client may choose and spend: an allowlist of models, an answer-length cap sent
// upstream, a cap on spoken sentences (the rest is text only, and the client is told), a daily voice
// budget per token, and an idle timeout for recordings left open.
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode } from '../../../protocol/index.ts';
import { startFakeOpenAI, type FakeOpenAI } from '../../fakes/fake-openai.ts';
import { startRelay, type RelayProcess } from '../../helpers/relay-process.ts';
import { connectClient, is, type TestClient } from '../../helpers/ws-client.ts';

const MAX_COMPLETION_TOKENS = 64;
const MAX_SPOKEN = 2;
let fake: FakeOpenAI;
let relay: RelayProcess;
let audio: Buffer;
const clients: TestClient[] = [];

async function session(clientId: string): Promise<TestClient> {
  const client = await connectClient(relay.wsUrl, { dialect: 'v1', token: relay.token });
  clients.push(client);
  client.send({ type: 'setClientId', clientId });
  await client.waitFor(is('ok'));
  return client;
}

const chatBodies = () =>
  fake.requests.filter((r) => r.endpoint === 'chat').map((r) => r.body as { model: string; max_completion_tokens?: number });

beforeAll(async () => {
  audio = await readFile(new URL('../../fixtures/question.webm', import.meta.url));
  fake = await startFakeOpenAI({ latency: { firstTokenMs: 0, perTokenMs: 1, sttMs: 1, ttsMs: 1 } });
  relay = await startRelay({
    fake,
    env: {
      PARLEY_CHAT_MODEL: 'gpt-4o-mini',
      PARLEY_ALLOWED_MODELS: 'gpt-4o',
      PARLEY_MAX_COMPLETION_TOKENS: String(MAX_COMPLETION_TOKENS),
      PARLEY_MAX_SPOKEN_SENTENCES: String(MAX_SPOKEN),
      // Exactly one recording a day: the second is refused at its first chunk.
      PARLEY_AUDIO_BYTES_PER_DAY: String(audio.byteLength),
      PARLEY_RECORDING_IDLE_SECONDS: '1',
    },
  });
});
afterAll(async () => {
  await Promise.all(clients.map((c) => c.close().catch(() => undefined)));
  await relay?.dispose();
  await fake?.close();
});

describe('models and answer length', () => {
  it('refuses a model outside PARLEY_ALLOWED_MODELS, keeps the default, and sends max_completion_tokens', async () => {
    const client = await session('models');
    client.send({ type: 'settings', settings: { model: 'gpt-4-32k', speech: false } });
    const refused = await client.waitFor(is('error', 0));
    expect(refused.error).toMatchObject({ code: ErrorCode.ModelNotAllowed, retryable: false });
    expect(refused.error.message).toMatch(/gpt-4o-mini, gpt-4o/);
    // The refused frame was not applied at all, its speech:false included, so that is sent again.
    client.send({ type: 'settings', settings: { speech: false } });
    client.send({ type: 'userText', turnId: 1, text: 'which model?' });
    await client.answer(1);
    expect(chatBodies().at(-1)).toMatchObject({ model: 'gpt-4o-mini', max_completion_tokens: MAX_COMPLETION_TOKENS });

    client.send({ type: 'settings', settings: { model: 'gpt-4o' } });
    client.send({ type: 'userText', turnId: 2, text: 'and now?' });
    await client.answer(2);
    expect(chatBodies().at(-1)).toMatchObject({ model: 'gpt-4o', max_completion_tokens: MAX_COMPLETION_TOKENS });
  });

  it('speaks at most PARLEY_MAX_SPOKEN_SENTENCES, sends the rest as text, and says so on TextEnd, which stays last', async () => {
    const client = await session('spoken');
    const speechBefore = fake.requests.filter((r) => r.endpoint === 'speech').length;
    client.send({ type: 'userText', turnId: 1, text: 'tell me a lot' });
    const answer = await client.answer(1);
    const sentencesInAnswer = answer.split(/(?<=[.!?]["”]?)\s+/).length;
    expect(sentencesInAnswer).toBeGreaterThan(MAX_SPOKEN + 1);
    const turnFrames = client.frames.filter((f) => 'turnId' in f && f.turnId === 1);
    expect(turnFrames.at(-1)?.type).toBe('textEnd');
    expect(client.of('speechAudio', 1).map((f) => f.index)).toEqual([0, 1]);
    const end = client.of('textEnd', 1)[0];
    expect(end?.speech?.spoken).toBe(MAX_SPOKEN);
    expect(end?.speech?.unspoken).toBeGreaterThan(0);
    expect(fake.requests.filter((r) => r.endpoint === 'speech').length - speechBefore).toBe(MAX_SPOKEN);

    const http = await fetch(`${relay.httpUrl}/api/message`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${relay.token}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ id: 'spoken-http', message: 'tell me a lot' }),
    });
    const body = (await http.json()) as { audio: string | null; speech?: { spoken: number; unspoken: number } };
    expect(body.audio).not.toBeNull();
    expect(body.speech?.spoken).toBe(MAX_SPOKEN);
    expect(body.speech?.unspoken).toBeGreaterThan(0);
  });
});

describe('voice', () => {
  it('discards a recording left open with RECORDING_IDLE, once', async () => {
    const client = await session('idle');
    client.send({ type: 'audioChunk', turnId: 7, data: audio.subarray(0, 100) });
    const idle = await client.waitFor(is('error', 7), 5000);
    expect(idle.error).toMatchObject({ code: ErrorCode.RecordingIdle, retryable: true });
    // Late chunks and the end of that recording are dropped quietly: one error per turn.
    client.send({ type: 'audioChunk', turnId: 7, data: audio.subarray(100, 200) });
    client.send({ type: 'audioEnd', turnId: 7 });
    client.send({ type: 'ping', nonce: 1 });
    await client.waitFor(is('pong'));
    expect(client.of('error', 7)).toHaveLength(1);
    expect(fake.requests.filter((r) => r.endpoint === 'transcription')).toEqual([]);
  });

  it("refuses voice beyond the token's daily audio budget, on WebSocket and HTTP, without an upstream request", async () => {
    const client = await session('budget');
    client.send({ type: 'settings', settings: { speech: false } });
    client.send({ type: 'audioChunk', turnId: 1, data: audio });
    client.send({ type: 'audioEnd', turnId: 1 });
    await client.answer(1);

    client.send({ type: 'audioChunk', turnId: 2, data: audio.subarray(0, 10) });
    const refused = await client.waitFor(is('error', 2));
    expect(refused.error).toMatchObject({ code: ErrorCode.AudioBudgetExceeded, retryable: false });
    expect(refused.error.retryAfterMs).toBeGreaterThan(0);
    client.send({ type: 'audioEnd', turnId: 2 });

    const http = await fetch(`${relay.httpUrl}/api/message`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${relay.token}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ id: 'budget-http', audio: audio.toString('base64') }),
    });
    expect(http.status).toBe(429);
    expect(await http.json()).toMatchObject({ code: ErrorCode.AudioBudgetExceeded });
    // Text still works: the budget is for voice only.
    client.send({ type: 'userText', turnId: 3, text: 'typing instead' });
    expect(await client.answer(3)).toContain('typing instead');
    expect(fake.requests.filter((r) => r.endpoint === 'transcription')).toHaveLength(1);
  });
});
