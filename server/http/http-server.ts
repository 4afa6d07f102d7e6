// The HTTP listener: GET /healthz (no auth) and the v1 API, with the same origin policy as the WebSocket.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { ErrorCode } from '../../protocol/index.ts';
import type { RelayContext } from '../session/relay-context.ts';
import { isOriginAllowed, tokenFromBearer, type OriginPolicy } from '../transport/auth.ts';
import { tokenIdOf } from '../transport/token-id.ts';
import { handleApiMessage } from './api-message.ts';
import { sendJson } from './json-response.ts';

export interface HttpServerOptions {
  ctx: RelayContext;
  origins: OriginPolicy;
  checkToken: (token: string | undefined) => boolean;
  maxBodyBytes: number;
  version: string;
  connections: () => number;
  /** Operator routes (GET /admin/usage, /metrics, server/http/admin.ts); true when the path was theirs. */
  extraRoutes?: (req: IncomingMessage, res: ServerResponse, url: URL) => Promise<boolean>;
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
      });
    }
    if (url.pathname === '/api/message') {
      if (req.method !== 'POST') return sendJson(res, 405, { error: 'Use POST.', code: ErrorCode.BadFrame }, { Allow: 'POST, OPTIONS' });
      const token = tokenFromBearer(req);
      if (!options.checkToken(token))
        return sendJson(res, 401, { error: 'Missing or wrong token: send "Authorization: Bearer <token>".', code: ErrorCode.Unauthorized }, { 'WWW-Authenticate': 'Bearer' });
      return handleApiMessage(options.ctx, req, res, tokenIdOf(token ?? ''), options.maxBodyBytes);
    }
    if (options.extraRoutes && (await options.extraRoutes(req, res, url))) return;
    sendJson(res, 404, { error: 'Not found. Endpoints: GET /healthz, POST /api/message.', code: 'NOT_FOUND' });
  };

  return createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      options.ctx.logger.error('http request failed', { error: error instanceof Error ? error.stack : String(error) });
      sendJson(res, 500, { error: 'The relay hit an unexpected error; the relay log has details.', code: ErrorCode.Internal });
    });
  });
}
