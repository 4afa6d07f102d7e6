import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createRelayClient, type SocketConstructor } from '../../../lib/background/relay-client.ts';
import { FakeSocket } from './support/fake-socket.ts';

async function connectedClient() {
  const client = createRelayClient({
    WebSocketImpl: FakeSocket as unknown as SocketConstructor,
    loadConfig: async () => ({ ok: true, url: 'ws://127.0.0.1:1', token: 't' }),
    getResume: async () => ({ clientId: 'c', messages: [] }),
    getSessionSettings: async () => ({}),
    log: () => undefined,
  });
  client.ensureConnected();
  await vi.waitFor(() => expect(FakeSocket.instances).toHaveLength(1));
  const socket = FakeSocket.instances[0] as FakeSocket;
  socket.open();
  await vi.waitFor(() => expect(socket.sent[0]?.type).toBe('resume'));
  socket.receive({ type: 'ok' });
  expect(client.getStatus().state).toBe('connected');
  return { client, socket };
}

const pings = (socket: FakeSocket) => socket.sent.filter((message) => message.type === 'ping');

describe('relay keepalive (MV3 stops a worker idle for 30 s)', () => {
  beforeEach(() => {
    FakeSocket.instances = [];
    vi.useFakeTimers();
  });
  afterEach(() => vi.useRealTimers());

  it('sends an app-level Ping every 20 s while connected', async () => {
    const { client, socket } = await connectedClient();
    await vi.advanceTimersByTimeAsync(19_999);
    expect(pings(socket)).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(pings(socket)).toHaveLength(1);

    for (let i = 2; i <= 4; i++) {
      const last = pings(socket).at(-1);
      if (last?.type === 'ping') socket.receive({ type: 'pong', nonce: last.nonce });
      await vi.advanceTimersByTimeAsync(20_000);
      expect(pings(socket)).toHaveLength(i);
    }
    expect(client.getStatus().state).toBe('connected');
    client.dispose();
  });

  it('declares the relay dead when a Pong does not come back, and reconnects', async () => {
    const { client, socket } = await connectedClient();
    const lost: string[] = [];
    client.on('lost', (event) => lost.push(event.reason));
    await vi.advanceTimersByTimeAsync(20_000 + 10_000);
    expect(lost).toEqual(['The relay stopped answering pings.']);
    expect(socket.readyState).toBe(3);
    expect(client.getStatus().state).toBe('reconnecting');
    await vi.advanceTimersByTimeAsync(1_000); // first retry waits less than 500 ms
    expect(FakeSocket.instances).toHaveLength(2);
    client.dispose();
  });

  it('stops pinging once the socket is gone', async () => {
    const { client, socket } = await connectedClient();
    socket.serverClose(1006);
    client.dispose();
    await vi.advanceTimersByTimeAsync(60_000);
    expect(pings(socket)).toHaveLength(0);
  });
});
