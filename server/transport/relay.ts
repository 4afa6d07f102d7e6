// Composes the relay: shared context, the WebSocket and HTTP listeners, and graceful shutdown.
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CloseCode } from '../../protocol/index.ts';
import type { RelayConfig } from '../config.ts';
import { createHttpServer } from '../http/http-server.ts';
import type { Logger } from '../log.ts';
import { createObservability } from '../metrics/observability.ts';
import { createMemorySessionStore } from '../session/memory-store.ts';
import { createRateLimiter } from '../session/rate-limiter.ts';
import type { RelayContext } from '../session/relay-context.ts';
import { createTurnTracker } from '../session/turn-tracker.ts';
import type { TurnServices } from '../session/turn-services.ts';
import { createTokenCheck } from './auth.ts';
import { attachConnection } from './ws-connection.ts';
import { createWsServer } from './ws-server.ts';

export interface Relay {
  listen(): Promise<{ wsUrl: string; httpUrl: string; wsPort: number; httpPort: number }>;
  /** Stops accepting, lets turns finish within graceMs, aborts the rest, closes sockets with 1001. */
  shutdown(graceMs: number): Promise<{ finished: number; aborted: number }>;
}

export function createRelay(options: { config: RelayConfig; token: string; logger: Logger; services: TurnServices; version: string }): Relay {
  const { config, logger } = options;
  const observability = createObservability({ config, token: options.token, logger, connections: () => ws.connections() });
  const ctx: RelayContext = {
    store: createMemorySessionStore({ maxSessions: config.history.maxSessions, ttlMs: config.history.ttlMs }),
    services: options.services,
    defaults: {
      chatModel: config.models.chat,
      sttModel: config.models.stt,
      ttsModel: config.models.tts,
      voice: config.voice,
      language: config.language,
      systemPrompt: config.systemPrompt,
      historyMaxTurns: config.history.maxTurns,
      ttsConcurrency: config.ttsConcurrency,
      speech: config.speech,
    },
    limits: {
      maxTextChars: config.limits.maxTextChars,
      maxAudioBytes: config.limits.maxAudioBytes,
      maxConcurrentTurns: config.limits.maxConcurrentTurns,
      turnsPerMinute: config.limits.turnsPerMinute,
      turnsPerMinutePerSession: config.limits.turnsPerMinutePerSession,
    },
    rateLimiter: createRateLimiter(),
    tracker: createTurnTracker(),
    logger,
    observer: observability.observer,
  };
  const checkToken = createTokenCheck([options.token, ...config.tokens]);
  const origins = { allowedOrigins: config.allowedOrigins, extensionIds: config.extensionIds };

  const ws = createWsServer({
    origins,
    checkToken,
    maxPayloadBytes: config.limits.maxFrameBytes,
    maxConnections: config.limits.maxConnections,
    heartbeatMs: config.heartbeatMs,
    logger,
    onConnection: (socket, dialect, key) => attachConnection(ctx, socket, dialect, key, config.limits.maxSendBufferBytes),
  });
  const http = createHttpServer({
    ctx,
    origins,
    checkToken,
    maxBodyBytes: config.limits.maxHttpBodyBytes,
    version: options.version,
    connections: ws.connections,
    extraRoutes: observability.routes,
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
      ctx.store.close();
      observability.close();
      return result;
    },
  };
}
