// Usage in Redis, shared by every relay instance: one hash per UTC day, a field per token and
// counter ("<tokenId>:<counter>"), written only with HINCRBY inside MULTI, so concurrent instances
// add up instead of overwriting each other and one turn's counters land together or not at all.
import type { Redis } from 'ioredis';
import { StoreUnavailableError } from '../session/store-error.ts';
import { cleanDelta, dayBefore, emptyCounters, USAGE_FIELDS, utcDay, type UsageCounters, type UsageRow, type UsageStore } from './usage-store.ts';

export interface RedisUsageStoreOptions {
  redis: Redis;
  /** Days kept, counting today: a day's hash expires this long after its last write. */
  retentionDays: number;
  keyPrefix?: string;
}

const FIELDS = new Set<string>(USAGE_FIELDS);

export function createRedisUsageStore(options: RedisUsageStoreOptions): UsageStore {
  const { redis } = options;
  const prefix = options.keyPrefix ?? 'parley:usage';
  const keyOf = (day: string) => `${prefix}:${day}`;
  const ttlSeconds = (options.retentionDays + 1) * 86_400;

  return {
    async add(tokenId, delta, at = new Date()) {
      const clean = cleanDelta(delta);
      const fields = USAGE_FIELDS.filter((field) => clean[field] !== undefined);
      if (fields.length === 0) return;
      const key = keyOf(utcDay(at));
      const multi = redis.multi();
      for (const field of fields) multi.hincrby(key, `${tokenId}:${field}`, clean[field] ?? 0);
      multi.expire(key, ttlSeconds);
      try {
        await multi.exec();
      } catch (error) {
        throw new StoreUnavailableError('usage update', { cause: error });
      }
    },

    async read({ tokenId, fromDay, toDay }) {
      const days: string[] = [];
      for (let day = fromDay; day <= toDay; day = dayBefore(day, -1)) days.push(day);
      const pipeline = redis.pipeline();
      for (const day of days) pipeline.hgetall(keyOf(day));
      let replies: Array<[Error | null, unknown]> | null;
      try {
        replies = await pipeline.exec();
      } catch (error) {
        throw new StoreUnavailableError('usage read', { cause: error });
      }
      const rows: UsageRow[] = [];
      days.forEach((day, index) => {
        const [error, hash] = replies?.[index] ?? [null, {}];
        if (error) throw new StoreUnavailableError('usage read', { cause: error });
        const byToken = new Map<string, UsageCounters>();
        for (const [name, value] of Object.entries((hash ?? {}) as Record<string, string>)) {
          const split = name.lastIndexOf(':');
          const id = name.slice(0, split);
          const field = name.slice(split + 1);
          if (!FIELDS.has(field) || (tokenId !== undefined && id !== tokenId)) continue;
          const counters = byToken.get(id) ?? emptyCounters();
          counters[field as keyof UsageCounters] = Number(value);
          byToken.set(id, counters);
        }
        for (const [id, counters] of [...byToken].sort(([a], [b]) => a.localeCompare(b))) rows.push({ tokenId: id, day, ...counters });
      });
      return rows;
    },

    // The connection belongs to the composition root, which closes it once for every store.
    close: () => undefined,
  };
}
