// Deltas the upstream delivers in one read leave the relay as one TextChunk (server/transport/
// frame-sender.ts): under load that is how the relay keeps up. Text and order stay exact, for both dialects.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultAnswer, startFakeOpenAI, type FakeOpenAI } from '../../fakes/fake-openai.ts';
import { startRelay, type RelayProcess } from '../../helpers/relay-process.ts';
import { connectClient, is, openTestSession } from '../../helpers/ws-client.ts';

let fake: FakeOpenAI;
let relay: RelayProcess;
let deltas = 0;

beforeAll(async () => {
  fake = await startFakeOpenAI({ apiKey: 'sk-merged-deltas-key-0123456789', burstTokens: true, latency: { firstTokenMs: 5 } });
  fake.onDelta = () => deltas++;
  relay = await startRelay({ fake });
});
afterAll(async () => {
  await relay?.dispose();
  await fake?.close();
});

describe('deltas that reach the relay together', () => {
  it('go to a parley.v1 client as fewer TextChunks carrying the exact answer', async () => {
    const client = await openTestSession(relay, 'merged-v1');
    deltas = 0;
    client.send({ type: 'userText', turnId: 1, text: 'Tell me about Lisbon' });
    const answer = await client.answer(1);
    expect(answer).toBe(defaultAnswer([{ role: 'user', content: 'Tell me about Lisbon' }]));
    expect(deltas).toBeGreaterThan(10);
    expect(client.of('textChunk', 1).length).toBeLessThan(deltas / 2);
    await client.close();
  });

  it('go to a legacy client the same way, in its own framing', async () => {
    const client = await connectClient(relay.wsUrl, { dialect: 'legacy', token: relay.token });
    client.send({ type: 'setClientId', clientId: 'merged-legacy' });
    await client.waitFor(is('ok'));
    deltas = 0;
    client.send({ type: 'userText', turnId: 0, text: 'And Porto?' });
    const answer = await client.answer(0);
    expect(answer).toBe(defaultAnswer([{ role: 'user', content: 'And Porto?' }]));
    expect(client.of('textChunk').length).toBeLessThan(deltas / 2);
    await client.close();
  });
});
