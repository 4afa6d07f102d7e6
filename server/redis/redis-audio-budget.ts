// The daily voice budget in Redis (REDIS_URL): one counter per token per UTC day, shared by every
// relay instance, expiring a day after the day it counts. Failures become StoreUnavailableError, so
// a turn ends with STORE_UNAVAILABLE (retryable) rather than spending unmetered audio.
import type { Redis } from 'ioredis';
import { DAY_MS, msToNextUtcDay, type AudioBudget } from '../session/audio-budget.ts';
import { StoreUnavailableError } from '../session/store-error.ts';

export function createRedisAudioBudget(options: { redis: Redis; keyPrefix?: string; now?: () => number }): AudioBudget {
  const { redis } = options;
  const now = options.now ?? Date.now;
  const keyOf = (tokenKey: string) => `${options.keyPrefix ?? 'parley'}:audio:${tokenKey}:${Math.floor(now() / DAY_MS)}`;
  const guard = async <T>(operation: string, run: () => Promise<T>): Promise<T> => {
    try {
      return await run();
    } catch (error) {
      throw new StoreUnavailableError(operation, { cause: error });
    }
  };
  return {
    async remaining(tokenKey, limit) {
      if (limit <= 0) return Infinity;
      const used = await guard('audio budget read', () => redis.get(keyOf(tokenKey)));
      return Math.max(0, limit - Number(used ?? 0));
    },
    async spend(tokenKey, bytes) {
      const key = keyOf(tokenKey);
      await guard('audio budget write', () => redis.multi().incrby(key, bytes).pexpire(key, 2 * DAY_MS).exec());
    },
    renewsInMs: () => msToNextUtcDay(now()),
  };
}
