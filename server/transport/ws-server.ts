// The WebSocket listener: origin check and authentication happen during the upgrade, before any
// session exists, so a refused client never costs an upstream request.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { CloseCode, PROTOCOL_V1, type Dialect } from '../../protocol/index.ts';
import type { Logger } from '../log.ts';
import { isOriginAllowed, tokenFromUpgrade, type OriginPolicy } from './auth.ts';
import { startHeartbeat } from './heartbeat.ts';
import { tokenIdOf } from './token-id.ts';

/** RFC 6455 "try again later": the relay is at its connection cap. */
const CLOSE_TRY_AGAIN_LATER = 1013;
export const UNAUTHORIZED_REASON = 'unauthorized: missing or wrong token';

export interface WsServerOptions {
  origins: OriginPolicy;
  checkToken: (token: string | undefined) => boolean;
  maxPayloadBytes: number;
  maxConnections: number;
  heartbeatMs: number;
  logger: Logger;
  onConnection: (ws: WebSocket, dialect: Dialect, tokenId: string) => void;
}

export interface WsServer {
  readonly server: Server;
  connections(): number;
  /** Stops accepting new connections (existing ones stay open). */
  stopAccepting(): Promise<void>;
  /** Closes every open socket with the given code. */
  closeAll(code: number, reason: string): void;
}

function refuseUpgrade(socket: Duplex, status: number, text: string): void {
  socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Type: text/plain\r\nContent-Length: ${Buffer.byteLength(text)}\r\n\r\n${text}`);
}

export function createWsServer(options: WsServerOptions): WsServer {
  const wss = new WebSocketServer({
    noServer: true,
    // Frames above this are refused by ws with close 1009; audio arrives in small chunks.
    maxPayload: options.maxPayloadBytes,
    // Select parley.v1 when offered; the parley-token.* entry is never selected or echoed back.
    handleProtocols: (protocols) => (protocols.has(PROTOCOL_V1) ? PROTOCOL_V1 : false),
  });
  const stopHeartbeat = startHeartbeat(wss, options.heartbeatMs);
  let accepting = true;

  const server = createServer((_req, res) => {
    res.writeHead(426, { 'Content-Type': 'text/plain', Upgrade: 'websocket' });
    res.end('This is the Parley relay WebSocket port; connect with a WebSocket client.\n');
  });

  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    // A reset during the handshake must not crash the relay.
    socket.on('error', () => socket.destroy());
    if (!accepting) return refuseUpgrade(socket, 503, 'Service Unavailable');
    const origin = req.headers.origin;
    if (!isOriginAllowed(origin, options.origins)) {
      options.logger.warn('origin refused', { origin: origin?.slice(0, 200) });
      return refuseUpgrade(socket, 403, 'Forbidden');
    }
    const token = tokenFromUpgrade(req);
    const authorized = options.checkToken(token);
    wss.handleUpgrade(req, socket, head, (ws) => {
      if (!authorized) {
        // Not an HTTP 401: browsers hide the status of a refused upgrade from scripts, so the
        // extension would see "relay down" and retry forever. A close reason lets it stop and say why.
        options.logger.warn('unauthorized connection refused', { origin });
        ws.close(CloseCode.Unauthorized, UNAUTHORIZED_REASON);
        return;
      }
      if (wss.clients.size > options.maxConnections) {
        ws.close(CLOSE_TRY_AGAIN_LATER, 'too many connections; try again later');
        return;
      }
      const dialect: Dialect = ws.protocol === PROTOCOL_V1 ? 'v1' : 'legacy';
      wss.emit('connection', ws, req);
      options.onConnection(ws, dialect, tokenIdOf(token ?? ''));
    });
  });

  return {
    server,
    connections: () => wss.clients.size,
    stopAccepting() {
      accepting = false;
      stopHeartbeat();
      return new Promise((resolve) => {
        // close() waits for all connections; upgraded sockets are closed separately by closeAll.
        server.close(() => resolve());
        setImmediate(resolve);
      });
    },
    closeAll(code, reason) {
      for (const ws of wss.clients) ws.close(code, reason);
    },
  };
}
