// Everything shared by all connections and the HTTP API, built once in index.ts.
import type { Logger } from '../log.ts';
import type { RateLimiter } from './rate-limiter.ts';
import type { SessionStore } from './session-store.ts';
import type { TurnObserver } from './turn-observer.ts';
import type { TurnTracker } from './turn-tracker.ts';
import type { TurnDefaults, TurnServices } from './turn-services.ts';

export interface RelayLimits {
  maxTextChars: number;
  maxAudioBytes: number;
  maxConcurrentTurns: number;
  turnsPerMinute: number;
  turnsPerMinutePerSession: number;
}

export interface RelayContext {
  store: SessionStore;
  services: TurnServices;
  defaults: TurnDefaults & { speech: boolean };
  limits: RelayLimits;
  rateLimiter: RateLimiter;
  tracker: TurnTracker;
  logger: Logger;
  /** Metrics and usage accounting (server/metrics, server/usage). */
  observer: TurnObserver;
}
