// The WebSocket listener: origin check and authentication happen during the upgrade, before any
// session exists, so a refused client never costs an upstream request.
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { CloseCode, PROTOCOL_V1, type Dialect } from '../../protocol/index.ts';
import { MISDIRECTED_MESSAGE } from '../http/host-check.ts';
import { createLimitedServer, NODE_DEFAULT_LIMITS, type ServerLimits } from '../http/server-limits.ts';
import type { Logger } from '../log.ts';
import { hasQueryToken, isOriginAllowed, tokenFromUpgrade, type OriginPolicy } from './auth.ts';
import type { AuthThrottle } from './auth-throttle.ts';
import { clientAddress } from './client-address.ts';
import { startHeartbeat } from './heartbeat.ts';
import { tokenIdOf } from './token-id.ts';

/** RFC 6455 "try again later": the relay is at its connection cap. */
const CLOSE_TRY_AGAIN_LATER = 1013;
export const UNAUTHORIZED_REASON = 'unauthorized: missing or wrong token';
export const QUERY_TOKEN_OFF_REASON = 'unauthorized: ?token= is switched off on this relay';
/**
 * How long a refused socket may take to answer our close frame before it is cut. A browser answers
 * within milliseconds (and has read the reason by then); a peer that never answers would otherwise
 * hold the socket for ws's 30 s close timeout (issue 10: such sockets locked out valid clients).
 */
export const REFUSED_CLOSE_GRACE_MS = 1000;

export interface WsServerOptions {
  origins: OriginPolicy;
  checkToken: (token: string | undefined) => boolean;
  maxPayloadBytes: number;
  maxConnections: number;
  heartbeatMs: number;
  logger: Logger;
  onConnection: (ws: WebSocket, dialect: Dialect, tokenId: string) => void;
  /** Failed authentications per address; a blocked address is refused with 429 before the upgrade. */
  authThrottle?: AuthThrottle;
  trustProxy?: boolean;
  /** False (PARLEY_LEGACY_QUERY_TOKEN=0): `?token=` is ignored and such clients are refused with a reason. */
  allowQueryToken?: boolean;
  /** Host header check against DNS rebinding (server/http/host-check.ts); absent = any host. */
  isHostAllowed?: (host: string | undefined) => boolean;
  serverLimits?: ServerLimits;
  /** Defaults to REFUSED_CLOSE_GRACE_MS; tests stretch it to show refused sockets are not counted. */
  refusedCloseGraceMs?: number;
}

export interface WsServer {
  readonly server: Server;
  /** Accepted (authorized, under the cap) sockets: what PARLEY_MAX_CONNECTIONS limits. */
  connections(): number;
  /** Refused sockets whose close handshake is still running (cut after the grace period). */
  refusing(): number;
  /** Closes the accepted sockets of these token ids (revoked tokens); returns how many. */
  closeTokens(tokenIds: readonly string[], code: number, reason: string): number;
  /** Stops accepting new connections (existing ones stay open). */
  stopAccepting(): Promise<void>;
  /** Closes every open socket with the given code. */
  closeAll(code: number, reason: string): void;
}

export function refuseUpgrade(socket: Duplex, status: number, text: string, headers: Record<string, string> = {}, body = text): void {
  const extra = Object.entries(headers).map(([name, value]) => `${name}: ${value}\r\n`).join('');
  socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\n${extra}Content-Type: text/plain\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
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
  // Counted here rather than with wss.clients, which also holds refused sockets until they close.
  const accepted = new Set<WebSocket>();
  const tokenOf = new WeakMap<WebSocket, string>();
  const refused = new Set<WebSocket>();
  const graceMs = options.refusedCloseGraceMs ?? REFUSED_CLOSE_GRACE_MS;

  const refuse = (ws: WebSocket, code: number, reason: string) => {
    refused.add(ws);
    // The timer is unref'd and cleared on close, so a refused socket never holds the process or a slot.
    const timer = setTimeout(() => ws.terminate(), graceMs);
    timer.unref();
    ws.once('close', () => {
      clearTimeout(timer);
      refused.delete(ws);
    });
    // Errors on a socket we are closing anyway (reset, write after end) carry no information.
    ws.on('error', () => undefined);
    ws.close(code, reason);
  };

  const server = createLimitedServer(options.serverLimits ?? NODE_DEFAULT_LIMITS, (_req, res) => {
    res.writeHead(426, { 'Content-Type': 'text/plain', Upgrade: 'websocket' });
    res.end('This is the Parley relay WebSocket port; connect with a WebSocket client.\n');
  });

  const handleUpgrade = async (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    if (!accepting) return refuseUpgrade(socket, 503, 'Service Unavailable');
    if (options.isHostAllowed && !options.isHostAllowed(req.headers.host)) {
      options.logger.warn('host refused', { host: req.headers.host?.slice(0, 200) });
      return refuseUpgrade(socket, 421, 'Misdirected Request', {}, `${MISDIRECTED_MESSAGE}\n`);
    }
    const address = clientAddress(req, options.trustProxy ?? false);
    const blockedMs = (await options.authThrottle?.blockedFor(address)) ?? 0;
    if (blockedMs > 0) return refuseUpgrade(socket, 429, 'Too Many Requests', { 'Retry-After': String(Math.ceil(blockedMs / 1000)) });
    const origin = req.headers.origin;
    if (!isOriginAllowed(origin, options.origins)) {
      options.logger.warn('origin refused', { origin: origin?.slice(0, 200) });
      return refuseUpgrade(socket, 403, 'Forbidden');
    }
    const allowQuery = options.allowQueryToken ?? true;
    const token = tokenFromUpgrade(req, allowQuery);
    const authorized = options.checkToken(token);
    if (!authorized) {
      const blockMs = (await options.authThrottle?.recordFailure(address)) ?? 0;
      if (blockMs > 0) options.logger.warn('address blocked after failed authentications', { address, blockMs });
    }
    // ws refuses a socket that closed while we waited (it checks that the socket is still open).
    wss.handleUpgrade(req, socket, head, (ws) => {
      if (!authorized) {
        // Not an HTTP 401: browsers hide the status of a refused upgrade from scripts, so the
        // extension would see "relay down" and retry forever. A close reason lets it stop and say why.
        options.logger.warn('unauthorized connection refused', { origin });
        const queryOff = !allowQuery && token === undefined && hasQueryToken(req);
        return refuse(ws, CloseCode.Unauthorized, queryOff ? QUERY_TOKEN_OFF_REASON : UNAUTHORIZED_REASON);
      }
      if (accepted.size >= options.maxConnections) return refuse(ws, CLOSE_TRY_AGAIN_LATER, 'too many connections; try again later');
      accepted.add(ws);
      ws.once('close', () => accepted.delete(ws));
      const dialect: Dialect = ws.protocol === PROTOCOL_V1 ? 'v1' : 'legacy';
      const tokenId = tokenIdOf(token ?? '');
      tokenOf.set(ws, tokenId);
      wss.emit('connection', ws, req);
      options.onConnection(ws, dialect, tokenId);
    });
  };

  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    // A reset during the handshake must not crash the relay.
    socket.on('error', () => socket.destroy());
    handleUpgrade(req, socket, head).catch((error: unknown) => {
      options.logger.error('upgrade failed', { error: error instanceof Error ? error.stack : String(error) });
      socket.destroy();
    });
  });

  return {
    server,
    connections: () => accepted.size,
    refusing: () => refused.size,
    closeTokens(tokenIds, code, reason) {
      const ids = new Set(tokenIds);
      let closed = 0;
      for (const ws of [...accepted]) {
        if (!ids.has(tokenOf.get(ws) ?? '')) continue;
        accepted.delete(ws);
        refuse(ws, code, reason);
        closed++;
      }
      return closed;
    },
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
