// @vitest-environment node
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import type { SocketConstructor } from '../../../lib/background/relay-client.ts';
import { testConnection } from '../../../lib/background/test-connection.ts';
import { OK_INFO, startTestRelay, type TestRelay } from './support/relay-server.ts';

const WebSocketImpl = WebSocket as unknown as SocketConstructor;
let relay: TestRelay;

beforeEach(async () => {
  relay = await startTestRelay();
  relay.onMessage = (message, socket) => {
    if (message.type === 'setClientId') relay.send(socket, { type: 'ok', info: OK_INFO });
    if (message.type === 'ping') relay.send(socket, { type: 'pong', nonce: message.nonce });
  };
});
afterEach(() => relay.close());

describe('Test connection', () => {
  it('reports the round trip after OK and a Ping/Pong', async () => {
    const result = await testConnection(relay.url, 'tok', { WebSocketImpl });
    expect(result.ok).toBe(true);
    expect(relay.received[0]?.[0]?.type).toBe('setClientId');
    expect(relay.received[0]?.[1]?.type).toBe('ping');
  });

  it('reports a wrong token when the relay closes with 4401', async () => {
    relay.onConnection = (socket) => socket.close(4401, 'bad token');
    expect(await testConnection(relay.url, 'tok', { WebSocketImpl })).toMatchObject({ ok: false, reason: 'wrong-token' });
  });

  it('reports an unreachable relay', async () => {
    const url = relay.url;
    await relay.close();
    expect(await testConnection(url, 'tok', { WebSocketImpl })).toMatchObject({ ok: false, reason: 'unreachable' });
  });

  it('refuses a bad URL before connecting', async () => {
    expect(await testConnection('https://example.com', 'tok', { WebSocketImpl })).toMatchObject({ ok: false, reason: 'bad-url' });
    expect(relay.connections).toBe(0);
  });
});
