// Operator endpoints on the HTTP listener: GET /admin/usage (usage per token) and GET /metrics
// (Prometheus). Both answer only with the admin token (PARLEY_ADMIN_TOKEN), checked in constant
// time; /metrics may also be opened to loopback scrapers (PARLEY_METRICS_PUBLIC=1).
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ErrorCode } from '../../protocol/index.ts';
import type { AdminConfig } from '../admin-config.ts';
import type { RelayMetrics } from '../metrics/relay-metrics.ts';
import { StoreUnavailableError } from '../session/store-error.ts';
import type { TokenDirectory } from '../tokens/token-directory.ts';
import { createTokenCheck, tokenFromBearer } from '../transport/auth.ts';
import type { AuthThrottle } from '../transport/auth-throttle.ts';
import { clientAddress } from '../transport/client-address.ts';
import { dayBefore, emptyCounters, USAGE_FIELDS, utcDay, type UsageCounters, type UsageRow, type UsageStore } from '../usage/usage-store.ts';
import { sendJson } from './json-response.ts';

export interface AdminRoutesOptions {
  config: AdminConfig;
  usage: UsageStore;
  tokens: TokenDirectory;
  metrics: RelayMetrics;
  /** The listeners' failed-authentication throttle: admin token guesses count toward the same block. */
  authThrottle?: AuthThrottle;
  trustProxy?: boolean;
}

/** Answers the request and returns true when the path is one of ours. */
export type AdminRoutes = (req: IncomingMessage, res: ServerResponse, url: URL) => Promise<boolean>;

const DEFAULT_DAYS = 30;
const TOKEN_ID_RE = /^[0-9a-f]{16}$/;

/** Usage as an operator reads it: seconds rather than milliseconds. */
type UsageReport = Omit<UsageCounters, 'transcribedMs'> & { transcribedSeconds: number };

function report(counters: UsageCounters): UsageReport {
  const { transcribedMs, ...rest } = counters;
  return { ...rest, transcribedSeconds: transcribedMs / 1000 };
}

/**
 * A request that came straight from this machine: loopback peer and no proxy headers. A reverse
 * proxy on the same host connects from loopback too, but it adds X-Forwarded-For (nginx, Caddy,
 * Traefik do by default), so proxied scrapes still need the admin token.
 */
function isDirectLoopback(req: IncomingMessage): boolean {
  const address = req.socket.remoteAddress ?? '';
  const loopback = address === '::1' || address.startsWith('127.') || address.startsWith('::ffff:127.');
  const proxied = ['x-forwarded-for', 'forwarded', 'x-real-ip'].some((name) => req.headers[name] !== undefined);
  return loopback && !proxied;
}

const notFound = (res: ServerResponse) => sendJson(res, 404, { error: 'Not found.', code: 'NOT_FOUND' });
const unauthorized = (res: ServerResponse) =>
  sendJson(res, 401, { error: 'Send the admin token: "Authorization: Bearer <PARLEY_ADMIN_TOKEN>".', code: ErrorCode.Unauthorized }, { 'WWW-Authenticate': 'Bearer' });

export function createAdminRoutes(options: AdminRoutesOptions): AdminRoutes {
  const { config, usage, tokens, metrics } = options;
  const checkAdmin = config.token === undefined ? undefined : createTokenCheck(config.token);
  const isAdmin = (req: IncomingMessage) => checkAdmin?.(tokenFromBearer(req)) ?? false;

  /** Refuses (and answers) a request without the admin token; true when the request may go on. */
  const authorize = async (req: IncomingMessage, res: ServerResponse): Promise<boolean> => {
    const address = clientAddress(req, options.trustProxy ?? false);
    const blockedMs = (await options.authThrottle?.blockedFor(address)) ?? 0;
    if (blockedMs > 0) {
      const retryAfterS = Math.ceil(blockedMs / 1000);
      sendJson(res, 429, { error: `Too many failed authentications from this address; try again in ${retryAfterS} s.`, code: ErrorCode.RateLimited, retryable: true }, { 'Retry-After': String(retryAfterS) });
      return false;
    }
    if (isAdmin(req)) return true;
    await options.authThrottle?.recordFailure(address);
    unauthorized(res);
    return false;
  };

  const handleUsage = async (req: IncomingMessage, res: ServerResponse, url: URL) => {
    // Without an admin token the endpoint does not exist, so nobody can probe it.
    if (!checkAdmin) return notFound(res);
    if (!(await authorize(req, res))) return;
    const daysParam = url.searchParams.get('days');
    const days = daysParam === null ? Math.min(DEFAULT_DAYS, config.usageDays) : Number(daysParam);
    if (!Number.isInteger(days) || days < 1 || days > config.usageDays)
      return sendJson(res, 400, { error: `"days" must be a whole number from 1 to ${config.usageDays} (PARLEY_USAGE_DAYS).`, code: ErrorCode.BadFrame });
    const tokenParam = url.searchParams.get('token');
    // A revoked token is no longer configured but its usage is still kept: its id finds it.
    const tokenId = tokenParam === null ? undefined : (tokens.resolve(tokenParam) ?? (TOKEN_ID_RE.test(tokenParam) ? tokenParam : undefined));
    if (tokenParam !== null && tokenId === undefined)
      return sendJson(res, 404, { error: 'No token has this name or id.', code: 'NOT_FOUND' });

    const toDay = utcDay(new Date());
    const fromDay = dayBefore(toDay, days - 1);
    let rows: UsageRow[];
    try {
      rows = await usage.read({ fromDay, toDay, ...(tokenId === undefined ? {} : { tokenId }) });
    } catch (error) {
      if (!(error instanceof StoreUnavailableError)) throw error;
      return sendJson(res, 503, { error: 'The usage store (Redis) is unavailable; try again shortly.', code: ErrorCode.StoreUnavailable, retryable: true }, { 'Retry-After': '5' });
    }
    const byToken = new Map<string, UsageRow[]>();
    // Every configured token is listed, with zeros if it did nothing: "who used nothing" is an answer too.
    for (const entry of tokens.list()) if (tokenId === undefined || entry.id === tokenId) byToken.set(entry.id, []);
    if (tokenId !== undefined) byToken.set(tokenId, byToken.get(tokenId) ?? []);
    for (const row of rows) byToken.set(row.tokenId, [...(byToken.get(row.tokenId) ?? []), row]);
    const accepted = new Set(tokens.list().map((entry) => entry.id));

    sendJson(res, 200, {
      from: fromDay,
      to: toDay,
      tokens: [...byToken].map(([id, tokenRows]) => {
        const total = emptyCounters();
        for (const row of tokenRows) for (const field of USAGE_FIELDS) total[field] += row[field];
        return {
          id,
          name: tokens.nameOf(id) ?? null,
          configured: accepted.has(id),
          total: report(total),
          days: tokenRows.map(({ tokenId: _id, day, ...counters }) => ({ day, ...report(counters) })),
        };
      }),
    });
  };

  const handleMetrics = async (req: IncomingMessage, res: ServerResponse) => {
    if (!checkAdmin && !config.metricsPublic) return notFound(res);
    if (!(config.metricsPublic && isDirectLoopback(req))) {
      if (!checkAdmin) return sendJson(res, 403, { error: 'Metrics are open to loopback scrapers only (PARLEY_METRICS_PUBLIC=1).', code: 'FORBIDDEN' });
      if (!(await authorize(req, res))) return;
    }
    const body = await metrics.render();
    res.writeHead(200, { 'Content-Type': metrics.contentType, 'Content-Length': Buffer.byteLength(body), 'Cache-Control': 'no-store' });
    res.end(req.method === 'HEAD' ? undefined : body);
  };

  const routes: Record<string, (req: IncomingMessage, res: ServerResponse, url: URL) => Promise<void>> = {
    '/admin/usage': handleUsage,
    '/metrics': handleMetrics,
  };

  return async (req, res, url) => {
    const route = Object.hasOwn(routes, url.pathname) ? routes[url.pathname] : undefined;
    if (!route) return false;
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      sendJson(res, 405, { error: 'Use GET.', code: ErrorCode.BadFrame }, { Allow: 'GET, HEAD' });
      return true;
    }
    await route(req, res, url);
    return true;
  };
}
