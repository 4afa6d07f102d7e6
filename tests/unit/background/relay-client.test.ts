// @vitest-environment node
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { createRelayClient, type RelayClient, type RelayClientOptions, type SocketConstructor } from '../../../lib/background/relay-client.ts';
import type { ConnectionStatus } from '../../../lib/messages.ts';
import { startTestRelay, until, type TestRelay } from './support/relay-server.ts';

let relay: TestRelay;
let client: RelayClient | undefined;

beforeEach(async () => {
  relay = await startTestRelay();
});
afterEach(async () => {
  client?.dispose();
  client = undefined;
  await relay.close();
});

function makeClient(overrides: Partial<RelayClientOptions> = {}) {
  const statuses: ConnectionStatus[] = [];
  const delays: number[] = [];
  const created = createRelayClient({
    WebSocketImpl: WebSocket as unknown as SocketConstructor,
    loadConfig: async () => ({ ok: true, url: relay.url, token: 'secret-token' }),
    getResume: async () => ({ clientId: 'client-1', messages: [{ role: 'user', content: 'Hi' }, { role: 'assistant', content: 'Hello!' }] }),
    getSessionSettings: async () => ({ voice: 'nova', speech: true }),
    // Record the backoff instead of waiting for it.
    sleep: (ms) => {
      delays.push(ms);
      return new Promise((resolve) => setImmediate(resolve));
    },
    log: () => undefined,
    ...overrides,
  });
  created.on('status', (status) => statuses.push(status));
  client = created;
  return { client: created, statuses, delays };
}

describe('relay client', () => {
  it('offers parley.v1 with the token, resumes with the transcript, then sends settings', async () => {
    const { client } = makeClient();
    client.ensureConnected();
    await until(() => client.getStatus().state === 'connected', 'connected');
    await until(() => (relay.received[0]?.length ?? 0) >= 2, 'settings frame');

    expect(relay.protocols[0]).toEqual(['parley.v1', 'parley-token.secret-token']);
    expect(relay.received[0]?.[0]).toEqual({
      type: 'resume',
      clientId: 'client-1',
      messages: [{ role: 'user', content: 'Hi' }, { role: 'assistant', content: 'Hello!' }],
    });
    expect(relay.received[0]?.[1]).toEqual({ type: 'settings', settings: { voice: 'nova', speech: true } });
    expect(client.isReady()).toBe(true);
  });

  it('reconnects after the relay drops it and sends Resume again', async () => {
    const { client } = makeClient();
    let ready = 0;
    client.on('ready', () => ready++);
    relay.onConnection = (socket, index) => {
      if (index === 0) setTimeout(() => socket.close(1001, 'restarting'), 20);
    };
    client.ensureConnected();
    await until(() => ready === 2, 'second ready');
    expect(relay.received[1]?.[0]?.type).toBe('resume');
  });

  it('stops retrying on 4401 and reports unauthorized until restarted', async () => {
    relay.onConnection = (socket) => socket.close(4401, 'bad token');
    const { client, delays } = makeClient();
    client.ensureConnected();
    await until(() => client.getStatus().state === 'unauthorized', 'unauthorized');
    expect(client.getStatus().detail).toMatch(/refused the token/);
    expect(delays).toEqual([]);
    client.ensureConnected(); // more clicks do not retry a refused token
    expect(relay.connections).toBe(1);

    relay.onConnection = () => undefined;
    client.restart(); // what a token/URL change does
    await until(() => client.getStatus().state === 'connected', 'connected after restart');
    expect(relay.connections).toBe(2);
  });

  it('backs off exponentially with full jitter and resets after a good connection', async () => {
    // Connections 0 and 1 fail before OK, 2 succeeds then drops, 3 fails again.
    relay.onConnection = (socket, index) => {
      if (index !== 2) socket.close(1011, 'not yet');
    };
    relay.onMessage = (message, socket, index) => {
      if (message.type === 'resume' && index === 2) {
        relay.send(socket, { type: 'ok' });
        setTimeout(() => socket.close(1001, 'restart'), 20);
      }
    };
    const { client, delays } = makeClient({ backoff: { baseMs: 500, capMs: 30_000, random: () => 0.999 } });
    client.ensureConnected();
    await until(() => delays.length >= 4, 'four retries');
    client.dispose();
    // Failures 1 and 2: attempts 0 and 1 (ceilings 500, 1000 ms); the good connection resets to attempt 0.
    expect(delays[0]).toBe(Math.floor(0.999 * 500));
    expect(delays[1]).toBe(Math.floor(0.999 * 1000));
    expect(delays[2]).toBe(Math.floor(0.999 * 500));
    expect(delays[3]).toBe(Math.floor(0.999 * 1000));
  });

  it('is misconfigured without a token and does not open a socket', async () => {
    const { client } = makeClient({ loadConfig: async () => ({ ok: false, detail: 'No relay token yet.' }) });
    client.ensureConnected();
    await until(() => client.getStatus().state === 'misconfigured', 'misconfigured');
    expect(client.getStatus().detail).toBe('No relay token yet.');
    expect(relay.connections).toBe(0);
  });

  it('send() refuses while not connected, so callers keep the message pending', () => {
    const { client } = makeClient();
    expect(client.send({ type: 'userText', turnId: 1, text: 'hi' })).toBe(false);
  });

  it('treats a relay that stops answering pings as lost and reconnects', async () => {
    relay.onMessage = (message, socket) => {
      if (message.type === 'resume') relay.send(socket, { type: 'ok' });
      // never answers pings
    };
    const { client } = makeClient({ pingIntervalMs: 20, pongTimeoutMs: 20 });
    const lost: string[] = [];
    client.on('lost', (event) => lost.push(event.reason));
    client.ensureConnected();
    await until(() => lost.length >= 1 && relay.connections >= 2, 'reconnect after dead relay');
    expect(lost[0]).toMatch(/stopped answering pings/);
    expect(relay.received[0]?.some((m) => m.type === 'ping')).toBe(true);
  });
});
