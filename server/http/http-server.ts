// The HTTP listener: GET /healthz (no auth) and the v1 API, with the same origin policy as the WebSocket.
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { ErrorCode } from '../../protocol/index.ts';
import type { RelayContext } from '../session/relay-context.ts';
import { isOriginAllowed, tokenFromBearer, type OriginPolicy } from '../transport/auth.ts';
import type { AuthThrottle } from '../transport/auth-throttle.ts';
import { clientAddress } from '../transport/client-address.ts';
import { tokenIdOf } from '../transport/token-id.ts';
import { handleApiMessage } from './api-message.ts';
import { MISDIRECTED_MESSAGE } from './host-check.ts';
import { sendJson } from './json-response.ts';
import { createLimitedServer, NODE_DEFAULT_LIMITS, type ServerLimits } from './server-limits.ts';

export interface HttpServerOptions {
  ctx: RelayContext;
  origins: OriginPolicy;
  checkToken: (token: string | undefined) => boolean;
  maxBodyBytes: number;
  version: string;
  connections: () => number;
  /** Operator routes (GET /admin/usage, /metrics, server/http/admin.ts); true when the path was theirs. */
  extraRoutes?: (req: IncomingMessage, res: ServerResponse, url: URL) => Promise<boolean>;
  /** Refused WebSocket sockets still closing (they never count toward the connection cap). */
  refusing?: () => number;
  /** Shared with the WebSocket listener: failures on either count toward one block. */
  authThrottle?: AuthThrottle;
  trustProxy?: boolean;
  /** Host header check against DNS rebinding (host-check.ts); absent = any host. */
  isHostAllowed?: (host: string | undefined) => boolean;
  serverLimits?: ServerLimits;
}

const startedAt = Date.now();

/** CORS only for allowed origins (extensions, configured ones); web pages get no CORS headers. */
function corsHeaders(origin: string | undefined): Record<string, string> {
  if (origin === undefined) return {};
  return {
    'Access-Control-Allow-Origin': origin,
    'Access-Control-Allow-Headers': 'Authorization, Content-Type',
    'Access-Control-Allow-Methods': 'GET, POST, OPTIONS',
    'Access-Control-Max-Age': '600',
    Vary: 'Origin',
  };
}

export function createHttpServer(options: HttpServerOptions): Server {
  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://relay.invalid');
    // Before everything else, /healthz included: a rebinding page must learn nothing.
    if (options.isHostAllowed && !options.isHostAllowed(req.headers.host))
      return sendJson(res, 421, { error: MISDIRECTED_MESSAGE, code: 'MISDIRECTED' });
    const origin = req.headers.origin;
    if (!isOriginAllowed(origin, options.origins))
      return sendJson(res, 403, { error: 'This origin may not use the relay. Add it to PARLEY_ALLOWED_ORIGINS if it should.', code: 'FORBIDDEN' });
    for (const [name, value] of Object.entries(corsHeaders(origin))) res.setHeader(name, value);

    if (req.method === 'OPTIONS') {
      res.writeHead(204);
      res.end();
      return;
    }
    if (url.pathname === '/healthz' && (req.method === 'GET' || req.method === 'HEAD')) {
      return sendJson(res, 200, {
        ok: true,
        version: options.version,
        uptimeS: Math.round((Date.now() - startedAt) / 1000),
        connections: options.connections(),
        refusing: options.refusing?.() ?? 0,
      });
    }
    if (url.pathname === '/api/message') {
      if (req.method !== 'POST') return sendJson(res, 405, { error: 'Use POST.', code: ErrorCode.BadFrame }, { Allow: 'POST, OPTIONS' });
      const address = clientAddress(req, options.trustProxy ?? false);
      const blockedMs = (await options.authThrottle?.blockedFor(address)) ?? 0;
      if (blockedMs > 0) {
        const retryAfterS = Math.ceil(blockedMs / 1000);
        return sendJson(
          res,
          429,
          { error: `Too many failed authentications from this address; try again in ${retryAfterS} s.`, code: ErrorCode.RateLimited, retryable: true },
          { 'Retry-After': String(retryAfterS) },
        );
      }
      const token = tokenFromBearer(req);
      if (!options.checkToken(token)) {
        const blockMs = (await options.authThrottle?.recordFailure(address)) ?? 0;
        if (blockMs > 0) options.ctx.logger.warn('address blocked after failed authentications', { address, blockMs });
        return sendJson(res, 401, { error: 'Missing or wrong token: send "Authorization: Bearer <token>".', code: ErrorCode.Unauthorized }, { 'WWW-Authenticate': 'Bearer' });
      }
      return handleApiMessage(options.ctx, req, res, tokenIdOf(token ?? ''), options.maxBodyBytes);
    }
    if (options.extraRoutes && (await options.extraRoutes(req, res, url))) return;
    sendJson(res, 404, { error: 'Not found. Endpoints: GET /healthz, POST /api/message.', code: 'NOT_FOUND' });
  };

  return createLimitedServer(options.serverLimits ?? NODE_DEFAULT_LIMITS, (req, res) => {
    handle(req, res).catch((error: unknown) => {
      options.ctx.logger.error('http request failed', { error: error instanceof Error ? error.stack : String(error) });
      sendJson(res, 500, { error: 'The relay hit an unexpected error; the relay log has details.', code: ErrorCode.Internal });
    });
  });
}
