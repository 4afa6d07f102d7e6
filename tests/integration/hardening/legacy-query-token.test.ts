// Issue 10: `?token=` (legacy clients) can be switched off, since a URL lands in proxy and access logs.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CloseCode } from '../../../protocol/index.ts';
import { startFakeOpenAI, type FakeOpenAI } from '../../fakes/fake-openai.ts';
import { startRelay, type RelayProcess } from '../../helpers/relay-process.ts';
import { connectClient, is, type TestClient } from '../../helpers/ws-client.ts';

let fake: FakeOpenAI;
let relay: RelayProcess;
const clients: TestClient[] = [];

beforeAll(async () => {
  fake = await startFakeOpenAI();
  relay = await startRelay({ fake, env: { PARLEY_LEGACY_QUERY_TOKEN: '0', PARLEY_SPEECH: '0' } });
});
afterAll(async () => {
  await Promise.all(clients.map((c) => c.close().catch(() => undefined)));
  await relay?.dispose();
  await fake?.close();
});

describe('PARLEY_LEGACY_QUERY_TOKEN=0', () => {
  it('refuses the right token in ?token= with a reason that says so, and no upstream request', async () => {
    for (const options of [{ dialect: 'legacy' as const }, { dialect: 'v1' as const, tokenInQuery: true }]) {
      const client = await connectClient(relay.wsUrl, { ...options, token: relay.token });
      clients.push(client);
      client.send({ type: 'setClientId', clientId: 'legacy' });
      expect(await client.waitForClose()).toEqual({ code: CloseCode.Unauthorized, reason: 'unauthorized: ?token= is switched off on this relay' });
      expect(client.frames).toEqual([]);
    }
    expect(fake.requests).toEqual([]);
  });

  it('still accepts the token in the subprotocol', async () => {
    const client = await connectClient(relay.wsUrl, { dialect: 'v1', token: relay.token });
    clients.push(client);
    client.send({ type: 'setClientId', clientId: 'v1' });
    await client.waitFor(is('ok'));
    client.send({ type: 'userText', turnId: 1, text: 'hello' });
    expect(await client.answer(1)).toContain('hello');
  });
});
