// Everything shared by all connections and the HTTP API, built once by the composition root
// (server/relay.ts), which chooses the store, the limiter and the upstream.
import type { Logger } from '../log.ts';
import type { AudioBudget } from './audio-budget.ts';
import type { RateLimiter } from './rate-limiter.ts';
import type { SessionStore } from './session-store.ts';
import type { TurnObserver } from './turn-observer.ts';
import type { TurnTracker } from './turn-tracker.ts';
import type { TurnDefaults, TurnUpstream } from './turn-services.ts';
import type { TurnsInFlight } from './turns-in-flight.ts';

export interface RelayLimits {
  maxTextChars: number;
  maxAudioBytes: number;
  maxConcurrentTurns: number;
  turnsPerMinute: number;
  turnsPerMinutePerSession: number;
  maxContextChars: number;
  maxContextTokens: number;
  maxReadAloudChars: number;
  /** Empty = any model; otherwise what Settings may choose (PARLEY_ALLOWED_MODELS). */
  allowedModels: readonly string[];
  /** Voice bytes per token per UTC day; 0 = unlimited. */
  audioBytesPerDay: number;
  /** Speculative transcriptions per voice turn (SpeechPaused); 0 = none (PARLEY_STT_SPECULATIVE=off). */
  maxSpeculations: number;
  /** An open recording without a chunk for this long is discarded. */
  recordingIdleMs: number;
}

/** Per-token policy from the token registry (server/tokens); absent = relay-wide limits only. */
export interface TokenPolicy {
  limitsOf(tokenId: string): { turnsPerMinute?: number; dailyBudget?: number } | undefined;
  isRevoked(tokenId: string): boolean;
}

export interface RelayContext {
  store: SessionStore;
  upstream: TurnUpstream;
  defaults: TurnDefaults;
  limits: RelayLimits;
  rateLimiter: RateLimiter;
  audioBudget: AudioBudget;
  /** Turns per day for tokens with a daily budget (a limiter with a 24 h window). */
  dailyLimiter?: RateLimiter;
  tokenPolicy?: TokenPolicy;
  tracker: TurnTracker;
  logger: Logger;
  /** Metrics and usage accounting (server/metrics, server/usage). */
  observer: TurnObserver;
  /** This instance's turns in flight and the other instances' leases (turns-in-flight.ts). */
  turnsInFlight: TurnsInFlight;
}
