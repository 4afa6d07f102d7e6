import { describe, expect, it } from 'vitest';
import { createLogger } from '../../../../server/log.ts';
import type { AudioBudget } from '../../../../server/session/audio-budget.ts';
import { admitTurn } from '../../../../server/session/launch-turn.ts';
import { createMemorySessionStore } from '../../../../server/session/memory-store.ts';
import { createRateLimiter } from '../../../../server/session/rate-limiter.ts';
import type { RelayContext, RelayLimits } from '../../../../server/session/relay-context.ts';
import { StoreUnavailableError } from '../../../../server/session/store-error.ts';
import { noTurnObserver } from '../../../../server/session/turn-observer.ts';
import { createTurnTracker } from '../../../../server/session/turn-tracker.ts';
import type { TurnUpstream } from '../../../../server/session/turn-services.ts';
import { createLocalTurnsInFlight } from '../../../../server/session/turns-in-flight.ts';
import { TEST_TURN_DEFAULTS } from '../../../helpers/turn-defaults.ts';

const key = { tokenId: 'tok', clientId: 'c' };
const LIMITS: RelayLimits = {
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

/** An audio budget whose store is away: every read rejects, and reads are counted. */
function unreachableBudget(): AudioBudget & { reads: number } {
  const budget = {
    reads: 0,
    remaining() {
      budget.reads++;
      return Promise.reject(new StoreUnavailableError('audio budget read'));
    },
    spend: () => Promise.resolve(),
    renewsInMs: () => 1000,
  };
  return budget;
}

function context(audioBudget: AudioBudget): RelayContext {
  return {
    store: createMemorySessionStore({ maxSessions: 10, maxPerToken: 10, ttlMs: 60_000 }),
    upstream: {} as TurnUpstream,
    defaults: TEST_TURN_DEFAULTS,
    limits: LIMITS,
    rateLimiter: createRateLimiter(),
    audioBudget,
    tracker: createTurnTracker(),
    logger: createLogger({ secrets: [], logText: false, write: () => undefined }),
    observer: noTurnObserver,
    turnsInFlight: createLocalTurnsInFlight(),
  };
}

describe('admitTurn and the audio budget', () => {
  it('does not read the audio budget for a turn without audio', async () => {
    const budget = unreachableBudget();
    const ctx = context(budget);
    expect(await admitTurn(ctx, key, { kind: 'text', text: 'hello' })).toBeUndefined();
    expect(await admitTurn(ctx, key, { kind: 'speak', text: 'read this' })).toBeUndefined();
    expect(budget.reads).toBe(0);
  });

  it('reads it for a voice turn: refused over budget, a store outage is a clear error', async () => {
    const away = unreachableBudget();
    const refusal = await admitTurn(context(away), key, { kind: 'voice', audio: new Uint8Array(10), mimeType: 'audio/webm' });
    expect(away.reads).toBe(1);
    expect(refusal?.code).toBe('STORE_UNAVAILABLE');
    const full: AudioBudget = { remaining: () => Promise.resolve(5), spend: () => Promise.resolve(), renewsInMs: () => 1000 };
    const over = await admitTurn(context(full), key, { kind: 'voice', audio: new Uint8Array(10), mimeType: 'audio/webm' });
    expect(over?.code).toBe('AUDIO_BUDGET_EXCEEDED');
  });
});
