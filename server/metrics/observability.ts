// Wires usage accounting and metrics for the composition root: one observer for turns, the admin
// routes for the HTTP listener, and what shutdown must close.
import type { RelayConfig } from '../config.ts';
import { createAdminRoutes, type AdminRoutes } from '../http/admin.ts';
import type { Logger } from '../log.ts';
import { combineObservers, type TurnObserver } from '../session/turn-observer.ts';
import { createTokenDirectory } from '../tokens/token-directory.ts';
import type { AuthThrottle } from '../transport/auth-throttle.ts';
import { createMemoryUsageStore } from '../usage/memory-usage-store.ts';
import { createUsageRecorder } from '../usage/usage-recorder.ts';
import type { UsageStore } from '../usage/usage-store.ts';
import { createRelayMetrics } from './relay-metrics.ts';

export interface Observability {
  observer: TurnObserver;
  routes: AdminRoutes;
  close(): void;
}

/** What usage needs from the token registry (server/tokens): names and hashes, and their changes. */
export interface NamedTokenSource {
  list(): Promise<ReadonlyArray<{ name: string; sha256: string }>>;
  watch(onChange: (records: ReadonlyArray<{ name: string; sha256: string }>) => void, onError: (error: unknown) => void): () => void;
}

export interface ObservabilityOptions {
  config: RelayConfig;
  /** The main client token (PARLEY_TOKEN or the generated one), named "default". */
  token: string;
  logger: Logger;
  connections: () => number;
  /** Shared with the listeners, so admin token guesses are throttled like client token guesses. */
  authThrottle?: AuthThrottle;
  /** Named tokens (`npm run relay -- tokens add`), so usage and metrics use their names. */
  namedTokens?: NamedTokenSource;
  /** Defaults to the in-memory store; a shared store (Redis) keeps usage across instances. */
  usage?: UsageStore;
}

export function createObservability(options: ObservabilityOptions): Observability {
  const { config, logger } = options;
  const tokens = createTokenDirectory([{ token: options.token, name: 'default' }, ...config.tokens.map((token) => ({ token }))]);
  const usage = options.usage ?? createMemoryUsageStore({ retentionDays: config.admin.usageDays });
  const metrics = createRelayMetrics({ connections: options.connections, tokenLabel: tokens.label });
  const onError = (error: unknown) => logger.error('usage accounting failed', { error: error instanceof Error ? error.message : String(error) });
  // A token's id is the first 16 hex digits of its SHA-256 (server/transport/token-id.ts).
  const setNamed = (records: ReadonlyArray<{ name: string; sha256: string }>) =>
    tokens.setNamed(records.map((record) => ({ id: record.sha256.slice(0, 16), name: record.name })));
  // The token authority reports registry errors already; here a failed read only costs names.
  const ignore = () => undefined;
  options.namedTokens?.list().then(setNamed, ignore);
  const stopWatching = options.namedTokens?.watch(setNamed, ignore);
  return {
    observer: combineObservers([metrics.observer, createUsageRecorder(usage, onError)], onError),
    routes: createAdminRoutes({
      config: config.admin,
      usage,
      tokens,
      metrics,
      trustProxy: config.trustProxy,
      ...(options.authThrottle ? { authThrottle: options.authThrottle } : {}),
    }),
    close: () => {
      stopWatching?.();
      usage.close();
    },
  };
}
