// The API key never leaves the relay: scan every frame, HTTP body and log line of a busy session,
// including upstream errors whose text quotes the key.
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeOpenAI, type FakeOpenAI } from '../../fakes/fake-openai.ts';
import { startRelay, type RelayProcess } from '../../helpers/relay-process.ts';
import { connectClient, is } from '../../helpers/ws-client.ts';

const KEY = 'sk-proj-SECRETKEYSECRETKEY0123456789abcdef';
let fake: FakeOpenAI;
let relay: RelayProcess;

beforeAll(async () => {
  fake = await startFakeOpenAI({ apiKey: KEY });
  relay = await startRelay({ fake, env: { PARLEY_LOG_TEXT: '1', PARLEY_UPSTREAM_RETRIES: '0' } });
});
afterAll(async () => {
  await relay?.dispose();
  await fake?.close();
});

describe('secrets', () => {
  it('never appear in frames, HTTP responses or log lines', async () => {
    const seen: string[] = [];
    const webm = await readFile(new URL('../../fixtures/question.webm', import.meta.url));
    const leak = `Incorrect API key provided: ${KEY}. You can find your API key at https://platform.openai.com/account/api-keys.`;

    const v1 = await connectClient(relay.wsUrl, { dialect: 'v1', token: relay.token });
    const legacy = await connectClient(relay.wsUrl, { dialect: 'legacy', token: relay.token });
    v1.send({ type: 'setClientId', clientId: 'scan' });
    legacy.send({ type: 'setClientId', clientId: 'scan-legacy' });
    v1.send({ type: 'userText', turnId: 1, text: `my key might be ${KEY.slice(0, 6)}` });
    await v1.answer(1);
    v1.send({ type: 'audioChunk', turnId: 2, data: webm });
    v1.send({ type: 'audioEnd', turnId: 2 });
    await v1.answer(2);
    for (const endpoint of ['chat', 'transcription', 'speech'] as const)
      fake.failNext(endpoint, { kind: 'status', status: 401, code: 'invalid_api_key', message: leak });
    v1.send({ type: 'audioChunk', turnId: 3, data: webm });
    v1.send({ type: 'audioEnd', turnId: 3 });
    await v1.waitFor(is('error', 3));
    v1.send({ type: 'userText', turnId: 4, text: 'again' });
    await v1.waitFor((f) => (f.type === 'error' || f.type === 'textEnd') && f.turnId === 4);
    fake.failNext('chat', { kind: 'status', status: 400, code: 'invalid_request_error', message: leak });
    legacy.send({ type: 'userText', turnId: 0, text: 'legacy' });
    await legacy.waitFor(is('error'));
    fake.failNext('chat', { kind: 'status', status: 500, message: leak });
    const http = await fetch(`${relay.httpUrl}/api/message`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${relay.token}` },
      body: JSON.stringify({ id: 'scan-http', message: 'hello' }),
    });
    seen.push(await http.text());
    const ok = await fetch(`${relay.httpUrl}/api/message`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${relay.token}` },
      body: JSON.stringify({ id: 'scan-http', message: 'hello again' }),
    });
    seen.push(await ok.text(), await (await fetch(`${relay.httpUrl}/healthz`)).text());
    await Promise.all([v1.close(), legacy.close()]);
    await relay.stop();

    const frames = [...v1.raw, ...legacy.raw].map((bytes) => Buffer.from(bytes).toString('latin1'));
    expect(frames.length).toBeGreaterThan(20);
    expect(relay.logs.filter((l) => l.includes('"msg":"turn"')).length).toBeGreaterThanOrEqual(6);
    // Parts of the key too, so a truncated echo would be caught.
    for (const needle of [KEY, KEY.slice(0, 20), KEY.slice(-20)]) {
      for (const text of [...frames, ...seen, ...relay.logs]) expect(text).not.toContain(needle);
    }
    // The relay did get upstream errors carrying the key: the scan was not vacuous.
    expect(fake.requests.some((r) => r.outcome === 'failed')).toBe(true);
  });
});
