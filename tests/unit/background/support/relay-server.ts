import { WebSocketServer, type WebSocket } from 'ws';
import type { AddressInfo } from 'node:net';
import { decodeClientFrame, encodeServerMessage, type ClientMessage, type ServerMessage } from '../../../../protocol/index.ts';

/** A tiny in-process relay speaking parley.v1, scripted per test. */
export interface TestRelay {
  url: string;
  /** Every client frame, per connection (index = connection number). */
  received: ClientMessage[][];
  connections: number;
  /** Offered subprotocols of each connection. */
  protocols: string[][];
  onConnection: (socket: WebSocket, index: number) => void;
  onMessage: (message: ClientMessage, socket: WebSocket, index: number) => void;
  send(socket: WebSocket, message: ServerMessage): void;
  close(): Promise<void>;
}

export const OK_INFO = { protocol: 1, resumed: true, historyLength: 0, limits: { maxTextChars: 4000, maxAudioBytes: 1_000_000, maxConcurrentTurns: 4 } };

export async function startTestRelay(): Promise<TestRelay> {
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1', handleProtocols: (offered) => (offered.has('parley.v1') ? 'parley.v1' : false) });
  await new Promise<void>((resolve) => wss.once('listening', () => resolve()));
  const relay: TestRelay = {
    url: `ws://127.0.0.1:${(wss.address() as AddressInfo).port}`,
    received: [],
    connections: 0,
    protocols: [],
    onConnection: () => undefined,
    // Default: answer Resume with OK, Ping with Pong.
    onMessage: (message, socket) => {
      if (message.type === 'resume') relay.send(socket, { type: 'ok', info: OK_INFO });
      if (message.type === 'ping') relay.send(socket, { type: 'pong', nonce: message.nonce });
    },
    send: (socket, message) => socket.send(encodeServerMessage(message, 'v1')),
    close: () =>
      new Promise<void>((resolve) => {
        for (const client of wss.clients) client.terminate();
        wss.close(() => resolve());
      }),
  };
  wss.on('connection', (socket, request) => {
    const index = relay.connections++;
    relay.received[index] = [];
    relay.protocols[index] = (request.headers['sec-websocket-protocol'] ?? '').split(',').map((p) => p.trim());
    socket.on('message', (data: Buffer) => {
      const decoded = decodeClientFrame(new Uint8Array(data), 'v1');
      if (!decoded.ok) throw new Error(`test relay got a bad frame: ${decoded.error.message}`);
      relay.received[index]?.push(decoded.value);
      relay.onMessage(decoded.value, socket, index);
    });
    relay.onConnection(socket, index);
  });
  return relay;
}

/** Resolves when `predicate` holds, polling on the event loop (no fixed sleeps in assertions). */
export async function until(predicate: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const started = Date.now();
  while (!predicate()) {
    if (Date.now() - started > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
