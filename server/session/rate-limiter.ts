// Turns per minute per budget key (token, session), from rate-limiter-flexible: fixed windows that
// start at a key's first turn, kept in process memory or in Redis (shared by every relay instance).
import type { Redis } from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import { StoreUnavailableError } from './store-error.ts';

export interface Budget {
  key: string;
  limit: number;
}

export type TakeResult = { ok: true } | { ok: false; retryAfterMs: number; limit: number };

export interface RateLimiter {
  /**
   * Takes a slot from every budget, or from none: a turn refused by its session's share must not
   * spend its token's budget. Says how long to wait when any budget is full. Rejects with
   * StoreUnavailableError when Redis cannot be reached.
   */
  take(budgets: readonly Budget[]): Promise<TakeResult>;
}

export interface RateLimiterOptions {
  /** Whole seconds (Redis expiries are in seconds); default 60. */
  windowSeconds?: number;
  /** Shared limits across instances; in-process when absent. */
  redis?: Redis;
  keyPrefix?: string;
}

export function createRateLimiter(options: RateLimiterOptions = {}): RateLimiter {
  const duration = options.windowSeconds ?? 60;
  const prefix = options.keyPrefix ?? 'parley:rl';
  // The library fixes `points` per limiter, so there is one per distinct limit (a handful).
  const limiters = new Map<number, RateLimiterAbstract>();
  const limiterFor = (points: number) => {
    let limiter = limiters.get(points);
    if (!limiter) {
      const common = { points, duration, keyPrefix: `${prefix}:${points}` };
      limiter = options.redis
        ? // Fail at once while Redis is away instead of queueing behind a reconnect.
          new RateLimiterRedis({ ...common, storeClient: options.redis, rejectIfRedisNotReady: true })
        : new RateLimiterMemory(common);
      limiters.set(points, limiter);
    }
    return limiter;
  };
  // The library rejects with a RateLimiterRes when a budget is full and with an Error when the store failed.
  const storeFailure = (error: unknown) => new StoreUnavailableError('rate limiting', { cause: error });

  return {
    async take(budgets) {
      const taken: Budget[] = [];
      for (const budget of budgets) {
        try {
          await limiterFor(budget.limit).consume(budget.key);
          taken.push(budget);
        } catch (error) {
          // Give back what this turn took, so a refused turn costs nothing.
          await Promise.all(taken.map((b) => limiterFor(b.limit).reward(b.key))).catch((cause: unknown) => {
            throw storeFailure(cause);
          });
          if (error instanceof RateLimiterRes) return { ok: false, retryAfterMs: Math.max(1, error.msBeforeNext), limit: budget.limit };
          throw storeFailure(error);
        }
      }
      return { ok: true };
    },
  };
}
