// Issue 10: wrong-token sockets that never answer the close must not lock out a valid client.
// The flood is raw TCP: each socket sends a real upgrade request, then never reads or answers.
import { connect, type Socket } from 'node:net';
import { once } from 'node:events';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROTOCOL_V1, TOKEN_PROTOCOL_PREFIX } from '../../../protocol/index.ts';
import { createLogger } from '../../../server/log.ts';
import { createWsServer } from '../../../server/transport/ws-server.ts';
import { createTokenCheck } from '../../../server/transport/auth.ts';
import { startFakeOpenAI, type FakeOpenAI } from '../../fakes/fake-openai.ts';
import { startRelay, type RelayProcess } from '../../helpers/relay-process.ts';
import { connectClient, is, type TestClient } from '../../helpers/ws-client.ts';

const MAX_CONNECTIONS = 5;
const FLOOD = MAX_CONNECTIONS * 3;
const sockets: Socket[] = [];
const clients: TestClient[] = [];

/** An upgrade request with a wrong token; the socket is paused so it never reads our close frame. */
async function silentRefusedSocket(wsUrl: string): Promise<Socket> {
  const { hostname, port } = new URL(wsUrl);
  const socket = connect(Number(port), hostname);
  sockets.push(socket);
  socket.on('error', () => undefined);
  await once(socket, 'connect');
  socket.pause();
  socket.write(
    [
      'GET / HTTP/1.1',
      `Host: ${hostname}:${port}`,
      'Upgrade: websocket',
      'Connection: Upgrade',
      `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}`,
      'Sec-WebSocket-Version: 13',
      `Sec-WebSocket-Protocol: ${PROTOCOL_V1}, ${TOKEN_PROTOCOL_PREFIX}wrong-${randomBytes(8).toString('hex')}`,
      '',
      '',
    ].join('\r\n'),
  );
  return socket;
}

async function until<T>(read: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value) || Date.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

afterAll(async () => {
  for (const socket of sockets) socket.destroy();
  await Promise.all(clients.map((c) => c.close().catch(() => undefined)));
});

describe('an unauthenticated flood against the relay', () => {
  let fake: FakeOpenAI;
  let relay: RelayProcess;
  beforeAll(async () => {
    fake = await startFakeOpenAI({ latency: { firstTokenMs: 0, perTokenMs: 1, sttMs: 1, ttsMs: 1 } });
    relay = await startRelay({
      fake,
      // The failed-auth throttle would refuse the flood at the door; here the sockets must get through it.
      env: { PARLEY_SPEECH: '0', PARLEY_MAX_CONNECTIONS: String(MAX_CONNECTIONS), PARLEY_AUTH_MAX_FAILURES: '1000' },
    });
  });
  afterAll(async () => {
    await relay?.dispose();
    await fake?.close();
  });

  it('does not delay a valid client, and the refused sockets are cut', async () => {
    const health = async () => (await (await fetch(`${relay.httpUrl}/healthz`)).json()) as { connections: number; refusing: number };
    await Promise.all(Array.from({ length: FLOOD }, () => silentRefusedSocket(relay.wsUrl)));
    // The flood has been upgraded and refused, and none of it counts as a connection. (Usually all of
    // it is seen at once; on a loaded machine the first sockets may already be cut before the poll, so
    // the exact count is left to the in-process test below.)
    const during = await until(health, (h) => h.refusing === FLOOD);
    expect(during.refusing).toBeGreaterThan(0);
    expect(during.connections).toBe(0);

    const client = await connectClient(relay.wsUrl, { dialect: 'v1', token: relay.token });
    clients.push(client);
    client.send({ type: 'setClientId', clientId: 'valid-during-flood' });
    await client.waitFor(is('ok'));
    client.send({ type: 'userText', turnId: 1, text: 'still there?' });
    expect(await client.answer(1)).toContain('still there?');

    // The relay cuts sockets that never answer its close frame instead of waiting ws's 30 s.
    const after = await until(health, (h) => h.refusing === 0);
    expect(after).toEqual(expect.objectContaining({ refusing: 0, connections: 1 }));
  });
});

describe('the WebSocket listener', () => {
  it('counts only accepted sockets toward the cap while refused ones are still closing', async () => {
    const ws = createWsServer({
      origins: { allowedOrigins: [], extensionIds: [] },
      checkToken: createTokenCheck('right-token-0123456789-0123456789'),
      maxPayloadBytes: 1024 * 1024,
      maxConnections: MAX_CONNECTIONS,
      heartbeatMs: 60_000,
      logger: createLogger({ secrets: [], logText: false, write: () => undefined }),
      // Longer than the test: the refused sockets are certainly still open when the valid one arrives.
      refusedCloseGraceMs: 60_000,
      onConnection: () => undefined,
    });
    await new Promise<void>((resolve) => ws.server.listen(0, '127.0.0.1', resolve));
    const address = ws.server.address();
    const url = `ws://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
    try {
      await Promise.all(Array.from({ length: FLOOD }, () => silentRefusedSocket(url)));
      await until(async () => ws.refusing(), (n) => n === FLOOD);
      expect(ws.refusing()).toBe(FLOOD);
      const valid = await Promise.all(
        Array.from({ length: MAX_CONNECTIONS }, () => connectClient(url, { dialect: 'v1', token: 'right-token-0123456789-0123456789' })),
      );
      clients.push(...valid);
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(valid.filter((c) => c.closed !== undefined)).toEqual([]);
      expect(ws.connections()).toBe(MAX_CONNECTIONS);
      // One more valid client is over the cap: 1013, and it is not counted either.
      const extra = await connectClient(url, { dialect: 'v1', token: 'right-token-0123456789-0123456789' });
      expect((await extra.waitForClose()).code).toBe(1013);
      expect(ws.connections()).toBe(MAX_CONNECTIONS);
    } finally {
      for (const socket of sockets) socket.destroy();
      ws.closeAll(1001, 'test over');
      await ws.stopAccepting();
    }
  });
});
