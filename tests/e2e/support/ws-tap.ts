// A transparent WebSocket proxy between the extension and the relay that records the
// type byte of every frame. It lets a test prove ordering facts the relay does not log,
// e.g. "audio slices were already on their way before the user pressed stop".
import { WebSocket, WebSocketServer, type RawData } from 'ws';
import type { AddressInfo } from 'node:net';

export interface TappedFrame {
  direction: 'toRelay' | 'toClient';
  type: number;
  bytes: number;
}

export interface WsTap {
  /** ws:// URL to give the extension instead of the relay's. */
  readonly url: string;
  readonly frames: TappedFrame[];
  count(direction: TappedFrame['direction'], type: number): number;
  close(): Promise<void>;
}

function toBuffer(data: RawData): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (Array.isArray(data)) return Buffer.concat(data);
  return Buffer.from(data);
}

export async function startWsTap(relayWsUrl: string): Promise<WsTap> {
  const frames: TappedFrame[] = [];
  const server = new WebSocketServer({
    host: '127.0.0.1',
    port: 0,
    // The relay picks parley.v1 whenever a client offers it; mirror that so the client sees the same dialect.
    handleProtocols: (protocols) => (protocols.has('parley.v1') ? 'parley.v1' : false),
  });
  server.on('connection', (client, request) => {
    const protocols = (request.headers['sec-websocket-protocol'] ?? '')
      .split(',')
      .map((p) => p.trim())
      .filter((p) => p !== '');
    const origin = request.headers.origin;
    const upstream = new WebSocket(relayWsUrl, protocols, origin === undefined ? {} : { origin });
    const pending: { data: Buffer; binary: boolean }[] = [];
    client.on('message', (data, isBinary) => {
      const buffer = toBuffer(data);
      frames.push({ direction: 'toRelay', type: buffer[0] ?? -1, bytes: buffer.length });
      if (upstream.readyState === WebSocket.OPEN) upstream.send(buffer, { binary: isBinary });
      else pending.push({ data: buffer, binary: isBinary });
    });
    upstream.on('open', () => {
      for (const item of pending.splice(0)) upstream.send(item.data, { binary: item.binary });
    });
    upstream.on('message', (data, isBinary) => {
      const buffer = toBuffer(data);
      frames.push({ direction: 'toClient', type: buffer[0] ?? -1, bytes: buffer.length });
      if (client.readyState === WebSocket.OPEN) client.send(buffer, { binary: isBinary });
    });
    // Close codes 1005/1006 cannot be sent on the wire; pass them on as a plain close.
    const relayClose = (target: WebSocket) => (code: number, reason: Buffer) => {
      if (target.readyState !== WebSocket.OPEN && target.readyState !== WebSocket.CONNECTING) return;
      if (code === 1005 || code === 1006) target.close();
      else target.close(code, reason);
    };
    upstream.on('close', relayClose(client));
    client.on('close', relayClose(upstream));
    // Either side failing just ends the pair; the close handlers above report it.
    upstream.on('error', () => client.terminate());
    client.on('error', () => upstream.terminate());
  });
  await new Promise<void>((resolve) => server.once('listening', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `ws://127.0.0.1:${port}`,
    frames,
    count: (direction, type) => frames.filter((f) => f.direction === direction && f.type === type).length,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of server.clients) socket.terminate();
        server.close(() => resolve());
      }),
  };
}
