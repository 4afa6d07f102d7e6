// Limits every listener (HTTP API and WebSocket) applies before any of our code runs: slow or stuck
// request heads are answered 408 and closed, and sockets beyond the cap are dropped on accept.
import { createServer, type RequestListener, type Server } from 'node:http';

export interface ServerLimits {
  /** Time to receive a request's headers (also an upgrade's). */
  headersTimeoutMs: number;
  /** Time to receive a whole request, body included. Not the time to answer it. */
  requestTimeoutMs: number;
  /** Open TCP sockets on the listener; Node closes any beyond it as soon as it is accepted. */
  maxSockets: number;
}

/** Node's own defaults (60 s headers, 300 s request, no socket cap), used when a caller sets none. */
export const NODE_DEFAULT_LIMITS: ServerLimits = { headersTimeoutMs: 60_000, requestTimeoutMs: 300_000, maxSockets: Infinity };

export function createLimitedServer(limits: ServerLimits, handler: RequestListener): Server {
  const server = createServer(
    {
      headersTimeout: limits.headersTimeoutMs,
      requestTimeout: limits.requestTimeoutMs,
      // Node checks those timeouts on this interval (default 30 s), so a 10 s limit could take 40 s to bite.
      connectionsCheckingInterval: Math.max(100, Math.min(limits.headersTimeoutMs, limits.requestTimeoutMs) / 2),
    },
    handler,
  );
  server.maxConnections = limits.maxSockets;
  return server;
}
