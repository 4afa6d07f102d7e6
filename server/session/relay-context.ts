// Everything shared by all connections and the HTTP API, built once by the composition root
// (server/relay.ts), which chooses the store, the limiter and the upstream.
import type { Logger } from '../log.ts';
import type { RateLimiter } from './rate-limiter.ts';
import type { SessionStore } from './session-store.ts';
import type { TurnObserver } from './turn-observer.ts';
import type { TurnTracker } from './turn-tracker.ts';
import type { TurnDefaults, TurnUpstream } from './turn-services.ts';

export interface RelayLimits {
  maxTextChars: number;
  maxAudioBytes: number;
  maxConcurrentTurns: number;
  turnsPerMinute: number;
  turnsPerMinutePerSession: number;
  maxContextChars: number;
  maxContextTokens: number;
  maxReadAloudChars: number;
}

export interface RelayContext {
  store: SessionStore;
  upstream: TurnUpstream;
  defaults: TurnDefaults;
  limits: RelayLimits;
  rateLimiter: RateLimiter;
  tracker: TurnTracker;
  logger: Logger;
  /** Metrics and usage accounting (server/metrics, server/usage). */
  observer: TurnObserver;
}
