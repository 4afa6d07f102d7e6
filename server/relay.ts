// The composition root: the one place where the relay's parts are chosen and wired together.
// Config decides the session store and rate limiter (in memory, or Redis shared by every instance)
// and the upstream (OpenAI through server/openai unless a caller passes another); the WebSocket and
// HTTP listeners get the same context; shutdown drains turns, then closes sockets and the store.
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { CloseCode } from '../protocol/index.ts';
import type { RelayConfig } from './config.ts';
import { createHostCheck } from './http/host-check.ts';
import { createHttpServer } from './http/http-server.ts';
import type { Logger } from './log.ts';
import { createObservability } from './metrics/observability.ts';
import { createUpstream } from './openai/upstream.ts';
import { createRedisAudioBudget } from './redis/redis-audio-budget.ts';
import { createRedisAuthThrottle } from './redis/redis-auth-throttle.ts';
import { createMemoryAudioBudget, type AudioBudget } from './session/audio-budget.ts';
import { connectRedis } from './redis/redis-client.ts';
import { createRedisSessionStore } from './redis/redis-session-store.ts';
import { createMemorySessionStore } from './session/memory-store.ts';
import { createRateLimiter, type RateLimiter } from './session/rate-limiter.ts';
import type { RelayContext } from './session/relay-context.ts';
import type { SessionStore } from './session/session-store.ts';
import { createTurnTracker } from './session/turn-tracker.ts';
import { createLocalTurnsInFlight, type TurnsInFlight } from './session/turns-in-flight.ts';
import { createRedisTurnsInFlight } from './redis/redis-turns-in-flight.ts';
import type { TokenRegistry } from './tokens/token-registry.ts';
import type { TurnUpstream } from './session/turn-services.ts';
import { createFileTokenRegistry, TOKENS_FILE } from './tokens/file-token-registry.ts';
import { createRedisTokenRegistry } from './tokens/redis-token-registry.ts';
import { createTokenAuthority } from './tokens/token-authority.ts';
import { createAuthThrottle, type AuthThrottle } from './transport/auth-throttle.ts';
import { attachConnection } from './transport/ws-connection.ts';
import { createWsServer } from './transport/ws-server.ts';
import { createRedisUsageStore } from './usage/redis-usage-store.ts';
import type { UsageStore } from './usage/usage-store.ts';

export interface Relay {
  listen(): Promise<{ wsUrl: string; httpUrl: string; wsPort: number; httpPort: number }>;
  /** Stops accepting, lets turns finish within graceMs, aborts the rest, closes sockets with 1001. */
  shutdown(graceMs: number): Promise<{ finished: number; aborted: number }>;
}

export interface RelayOptions {
  config: RelayConfig;
  token: string;
  logger: Logger;
  version: string;
  /** Replaces the OpenAI upstream (an in-process relay for a test); the seam turns see (TurnUpstream). */
  upstream?: TurnUpstream;
  /** Replaces the token file in the config dir (tests; a shared store). */
  tokenRegistry?: TokenRegistry;
}

interface Backends {
  store: SessionStore;
  rateLimiter: RateLimiter;
  /** Usage per token; absent = observability's in-memory default. */
  usage?: UsageStore;
  /** Turns per day for named tokens with a daily budget. */
  dailyLimiter: RateLimiter;
  /** Failed authentications per address. */
  authThrottle: AuthThrottle;
  /** Voice bytes per token per UTC day. */
  audioBudget: AudioBudget;
  /** Named tokens: the file in the config dir, or Redis so every machine sees the same list. */
  tokenRegistry: TokenRegistry;
  /** Turns in flight, and in Redis this instance's lease, so another instance can report its lost turns. */
  turnsInFlight: TurnsInFlight;
  close(): Promise<void>;
}

const DAY = { windowSeconds: 86_400, keyPrefix: 'parley:day' };

function memoryBackends(config: RelayConfig): Backends {
  const turnsInFlight = createLocalTurnsInFlight();
  const store = createMemorySessionStore({
    maxSessions: config.history.maxSessions,
    maxPerToken: config.history.maxSessionsPerToken,
    ttlMs: config.history.ttlMs,
  });
  return {
    store,
    rateLimiter: createRateLimiter(),
    dailyLimiter: createRateLimiter(DAY),
    audioBudget: createMemoryAudioBudget(),
    authThrottle: createAuthThrottle(config.authThrottle),
    tokenRegistry: createFileTokenRegistry({ path: join(config.configDir, TOKENS_FILE) }),
    // The memory store dies with the process: a restarted relay has no markers to report.
    turnsInFlight,
    async close() {
      // Markers of turns that ended at shutdown are being cleared: the store stays until they are.
      await turnsInFlight.close();
      await store.close();
    },
  };
}

/** REDIS_URL: sessions and budgets shared by every instance; fails start-up if Redis is unreachable. */
async function redisBackends(config: RelayConfig, url: string, logger: Logger): Promise<Backends> {
  const redis = await connectRedis(url, logger);
  const turnsInFlight = createRedisTurnsInFlight({ redis, logger });
  return {
    store: createRedisSessionStore({ redis, ttlMs: config.history.ttlMs, maxPerToken: config.history.maxSessionsPerToken }),
    rateLimiter: createRateLimiter({ redis }),
    usage: createRedisUsageStore({ redis, retentionDays: config.admin.usageDays }),
    dailyLimiter: createRateLimiter({ ...DAY, redis }),
    audioBudget: createRedisAudioBudget({ redis }),
    authThrottle: createRedisAuthThrottle({ ...config.authThrottle, redis, logger }),
    tokenRegistry: createRedisTokenRegistry({ redis }),
    turnsInFlight,
    async close() {
      // Turns were drained; once their markers are cleared this instance has nothing in flight.
      await turnsInFlight.close();
      // QUIT lets in-flight writes finish; when Redis is away there is nothing to wait for.
      await redis.quit().catch(() => redis.disconnect());
    },
  };
}

export async function createRelay(options: RelayOptions): Promise<Relay> {
  const { config, logger } = options;
  const backends = config.redisUrl === undefined ? memoryBackends(config) : await redisBackends(config, config.redisUrl, logger);
  const upstream =
    options.upstream ??
    createUpstream({
      chat: config.chat,
      stt: config.stt,
      tts: config.tts,
      timeoutMs: config.upstream.timeoutMs,
      maxRetries: config.upstream.retries,
      retryBaseMs: config.upstream.retryBaseMs,
      ...(config.answer.maxCompletionTokens === 0 ? {} : { maxCompletionTokens: config.answer.maxCompletionTokens }),
    });
  const tokenRegistry = options.tokenRegistry ?? backends.tokenRegistry;
  // Shared by both listeners and the admin endpoints: every failed authentication counts once
  // (in Redis with REDIS_URL, so across instances too).
  const authThrottle = backends.authThrottle;
  const observability = createObservability({
    config,
    token: options.token,
    logger,
    connections: () => ws.connections(),
    authThrottle,
    namedTokens: tokenRegistry,
    ...(backends.usage ? { usage: backends.usage } : {}),
  });
  const ctx: RelayContext = {
    store: backends.store,
    rateLimiter: backends.rateLimiter,
    dailyLimiter: backends.dailyLimiter,
    upstream,
    defaults: {
      chatModel: config.models.chat,
      sttModel: config.models.stt,
      sttStream: config.sttStream,
      ttsModel: config.models.tts,
      voice: config.voice,
      language: config.language,
      systemPrompt: config.systemPrompt,
      historyMaxTurns: config.history.maxTurns,
      ttsConcurrency: config.ttsConcurrency,
      readAloudLeadMs: config.readAloudLeadMs,
      speech: config.speech,
      maxSpokenSentences: config.answer.maxSpokenSentences,
    },
    limits: {
      maxTextChars: config.limits.maxTextChars,
      maxAudioBytes: config.limits.maxAudioBytes,
      maxConcurrentTurns: config.limits.maxConcurrentTurns,
      turnsPerMinute: config.limits.turnsPerMinute,
      turnsPerMinutePerSession: config.limits.turnsPerMinutePerSession,
      allowedModels: config.answer.allowedModels,
      audioBytesPerDay: config.audioBytesPerDay,
      recordingIdleMs: config.recordingIdleMs,
      maxContextChars: config.limits.maxContextChars,
      maxContextTokens: config.limits.maxContextTokens,
      maxReadAloudChars: config.limits.maxReadAloudChars,
      maxSpeculations: config.sttSpeculations,
    },
    audioBudget: backends.audioBudget,
    tracker: createTurnTracker(),
    logger,
    observer: observability.observer,
    turnsInFlight: backends.turnsInFlight,
  };
  // Named tokens from `npm run relay -- tokens add`: every process watches the same file, or Redis.
  let closeRevoked = (_ids: string[]) => undefined as void;
  const authority = await createTokenAuthority({
    tokens: [options.token, ...config.tokens],
    registry: tokenRegistry,
    onRevoked: (ids) => closeRevoked(ids),
    onError: (error) => logger.error('token registry unreadable; the last good list stays in force', { error: String(error) }),
  });
  ctx.tokenPolicy = authority;
  const checkToken = authority.check;
  const origins = { allowedOrigins: config.allowedOrigins, extensionIds: config.extensionIds };
  const guard = {
    authThrottle,
    trustProxy: config.trustProxy,
    isHostAllowed: createHostCheck(config.allowedHosts),
    serverLimits: config.server,
  };

  const ws = createWsServer({
    origins,
    checkToken,
    ...guard,
    allowQueryToken: config.legacyQueryToken,
    maxPayloadBytes: config.limits.maxFrameBytes,
    maxConnections: config.limits.maxConnections,
    heartbeatMs: config.heartbeatMs,
    logger,
    onConnection: (socket, dialect, tokenId) => attachConnection(ctx, socket, dialect, tokenId, config.limits.maxSendBufferBytes),
  });
  closeRevoked = (ids) => {
    const closed = ws.closeTokens(ids, CloseCode.Unauthorized, 'unauthorized: token revoked');
    logger.warn('tokens revoked', { tokenIds: ids, closedConnections: closed });
  };
  const http = createHttpServer({
    ctx,
    origins,
    checkToken,
    ...guard,
    maxBodyBytes: config.limits.maxHttpBodyBytes,
    version: options.version,
    connections: ws.connections,
    extraRoutes: observability.routes,
    refusing: ws.refusing,
  });

  const listenOn = (server: Server, port: number) =>
    new Promise<number>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, config.host, () => {
        server.off('error', reject);
        resolve((server.address() as AddressInfo).port);
      });
    });
  // IPv6 literals need brackets in URLs.
  const urlHost = config.host.includes(':') ? `[${config.host}]` : config.host;

  return {
    async listen() {
      const wsPort = await listenOn(ws.server, config.wsPort);
      const httpPort = await listenOn(http, config.httpPort);
      return { wsUrl: `ws://${urlHost}:${wsPort}`, httpUrl: `http://${urlHost}:${httpPort}`, wsPort, httpPort };
    },
    async shutdown(graceMs) {
      await ws.stopAccepting();
      http.close();
      // Idle keep-alive sockets would hold the HTTP server open; busy ones finish their turn first.
      http.closeIdleConnections();
      const result = await ctx.tracker.drain(graceMs);
      ws.closeAll(CloseCode.GoingAway, 'going away');
      http.closeAllConnections();
      authority.dispose();
      await backends.close();
      observability.close();
      return result;
    },
  };
}
