// A client that knows only the original protocol: no subprotocol, ?token=, four server frames.
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LEGACY_SERVER_TYPES } from '../../../protocol/index.ts';
import { defaultAnswer, defaultTranscript, startFakeOpenAI, type FakeOpenAI } from '../../fakes/fake-openai.ts';
import { startRelay, type RelayProcess } from '../../helpers/relay-process.ts';
import { connectClient, is } from '../../helpers/ws-client.ts';

const WELCOME = { role: 'assistant', content: 'Hello. How can I help you today?' };
let fake: FakeOpenAI;
let relay: RelayProcess;

beforeAll(async () => {
  fake = await startFakeOpenAI({ apiKey: 'sk-legacy-test-key-0123456789' });
  relay = await startRelay({ fake });
});
afterAll(async () => {
  await relay?.dispose();
  await fake?.close();
});

describe('legacy client', () => {
  it('runs a text turn, then a second one with history kept per client id', async () => {
    const client = await connectClient(relay.wsUrl, { dialect: 'legacy', token: relay.token });
    client.send({ type: 'setClientId', clientId: 'legacy-text' });
    await client.waitFor(is('ok'));
    client.send({ type: 'userText', turnId: 0, text: 'Tell me about Paris' });
    const first = await client.answer(0);
    expect(first).toBe(defaultAnswer([{ role: 'user', content: 'Tell me about Paris' }]));
    expect(client.of('textChunk').length).toBeGreaterThan(3);

    const before = client.frames.length;
    client.send({ type: 'userText', turnId: 0, text: 'And Rome?' });
    await client.waitFor((f) => f.type === 'textEnd' && client.frames.indexOf(f) >= before);
    const second = client.frames.slice(before).filter(is('textChunk')).map((f) => f.text).join('');
    expect(second).toContain('Earlier you asked: "Tell me about Paris"');

    // The model saw system prompt, welcome, and the first exchange.
    const chats = fake.requests.filter((r) => r.endpoint === 'chat');
    const body = chats.at(-1)?.body as { messages: Array<{ role: string; content: string }> };
    expect(body.messages[0]?.role).toBe('system');
    expect(body.messages[1]).toEqual(WELCOME);
    expect(body.messages.slice(2)).toEqual([
      { role: 'user', content: 'Tell me about Paris' },
      { role: 'assistant', content: first },
      { role: 'user', content: 'And Rome?' },
    ]);
    // Only frames a legacy client knows, and no speech requests made for it.
    expect(client.frames.every((f) => LEGACY_SERVER_TYPES.has(f.type))).toBe(true);
    expect(fake.requests.some((r) => r.endpoint === 'speech')).toBe(false);
    await client.close();
  });

  it('runs a voice turn from a real webm recording sent in chunks', async () => {
    const webm = await readFile(new URL('../../fixtures/question.webm', import.meta.url));
    const client = await connectClient(relay.wsUrl, { dialect: 'legacy', token: relay.token });
    client.send({ type: 'setClientId', clientId: 'legacy-voice' });
    await client.waitFor(is('ok'));
    for (let offset = 0; offset < webm.length; offset += 1000)
      client.send({ type: 'audioChunk', turnId: 0, data: webm.subarray(offset, offset + 1000) });
    client.send({ type: 'audioEnd', turnId: 0 });
    const answer = await client.answer(0);
    expect(answer).toBe(defaultAnswer([{ role: 'user', content: defaultTranscript() }]));
    const stt = fake.requests.filter((r) => r.endpoint === 'transcription').at(-1);
    expect(stt?.body).toMatchObject({ bytes: webm.length, contentType: 'audio/webm' });
    expect(client.frames.every((f) => LEGACY_SERVER_TYPES.has(f.type))).toBe(true);
    await client.close();
  });

  it('answers one turn at a time and refuses a second while the first runs', async () => {
    const client = await connectClient(relay.wsUrl, { dialect: 'legacy', token: relay.token });
    client.send({ type: 'setClientId', clientId: 'legacy-busy' });
    await client.waitFor(is('ok'));
    client.send({ type: 'userText', turnId: 0, text: 'first' });
    client.send({ type: 'userText', turnId: 0, text: 'second' });
    const error = await client.waitFor(is('error'));
    expect(error.error.message).toMatch(/previous message/);
    await client.waitFor(is('textEnd'));
    expect(client.of('textEnd')).toHaveLength(1);
    await client.close();
  });

  it('refuses a turn before SetClientID with a plain error message', async () => {
    const client = await connectClient(relay.wsUrl, { dialect: 'legacy', token: relay.token });
    client.send({ type: 'userText', turnId: 0, text: 'hello' });
    const error = await client.waitFor(is('error'));
    expect(error.error.message).toMatch(/SetClientID/);
    await client.close();
  });
});
