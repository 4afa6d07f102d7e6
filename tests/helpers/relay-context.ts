// A RelayContext for unit tests of the session layer: memory store, real limiter and tracker, no
// upstream, a silent logger. Tests override what they exercise (limits, the audio budget).
import { createLogger } from '../../server/log.ts';
import type { AudioBudget } from '../../server/session/audio-budget.ts';
import { createMemorySessionStore } from '../../server/session/memory-store.ts';
import { createRateLimiter } from '../../server/session/rate-limiter.ts';
import type { RelayContext, RelayLimits } from '../../server/session/relay-context.ts';
import { noTurnObserver } from '../../server/session/turn-observer.ts';
import { createTurnTracker } from '../../server/session/turn-tracker.ts';
import type { TurnUpstream } from '../../server/session/turn-services.ts';
import { createLocalTurnsInFlight } from '../../server/session/turns-in-flight.ts';
import { TEST_TURN_DEFAULTS } from './turn-defaults.ts';

export const TEST_LIMITS: RelayLimits = {
  maxTextChars: 1000,
  maxAudioBytes: 1_000_000,
  maxConcurrentTurns: 4,
  turnsPerMinute: 100,
  turnsPerMinutePerSession: 100,
  maxContextChars: 1000,
  maxContextTokens: 1000,
  maxReadAloudChars: 1000,
  allowedModels: [],
  audioBytesPerDay: 1000,
  maxSpeculations: 0,
  recordingIdleMs: 10_000,
};

/** An audio budget with plenty left that records nothing. */
export const ampleAudioBudget: AudioBudget = { remaining: () => Promise.resolve(1_000_000), spend: () => Promise.resolve(), renewsInMs: () => 1000 };

export function testRelayContext(options: { limits?: Partial<RelayLimits>; audioBudget?: AudioBudget } = {}): RelayContext {
  return {
    store: createMemorySessionStore({ maxSessions: 10, maxPerToken: 10, ttlMs: 60_000 }),
    upstream: {} as TurnUpstream,
    defaults: TEST_TURN_DEFAULTS,
    limits: { ...TEST_LIMITS, ...options.limits },
    rateLimiter: createRateLimiter(),
    audioBudget: options.audioBudget ?? ampleAudioBudget,
    tracker: createTurnTracker(),
    logger: createLogger({ secrets: [], logText: false, write: () => undefined }),
    observer: noTurnObserver,
    turnsInFlight: createLocalTurnsInFlight(),
  };
}
