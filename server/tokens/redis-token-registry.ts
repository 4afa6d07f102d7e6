// The token registry in Redis (REDIS_URL), for relays on several machines: records in one hash,
// every change announced on a pub/sub channel so each relay re-reads at once and closes revoked
// tokens' sockets; a slow re-read covers messages missed while a subscriber was reconnecting.
import type { Redis } from 'ioredis';
import { parseTokenRecords, TokenRegistryError, type TokenRecord, type TokenRegistry } from './token-registry.ts';

export interface RedisTokenRegistryOptions {
  redis: Redis;
  keyPrefix?: string;
  /** Re-read interval besides pub/sub messages; default 5000 ms. */
  pollMs?: number;
}

export function createRedisTokenRegistry(options: RedisTokenRegistryOptions): TokenRegistry {
  const { redis } = options;
  const key = `${options.keyPrefix ?? 'parley'}:tokens`;
  const channel = `${key}:changed`;

  const list = async (): Promise<TokenRecord[]> => {
    const fields = await redis.hgetall(key);
    const values = Object.values(fields).map((text): unknown => {
      try {
        return JSON.parse(text);
      } catch {
        // Reported below as a malformed entry, like any other bad value.
        return undefined;
      }
    });
    return parseTokenRecords({ tokens: values }, `Redis key ${key}`).sort((a, b) => a.createdAt.localeCompare(b.createdAt));
  };

  return {
    list,
    async add(record) {
      const created = await redis.hsetnx(key, record.name, JSON.stringify(record));
      if (created === 0) throw new TokenRegistryError(`A token named "${record.name}" exists; revoke it first or choose another name.`);
      await redis.publish(channel, 'add');
    },
    async revoke(name) {
      const text = await redis.hget(key, name);
      if (text === null) return undefined;
      await redis.hdel(key, name);
      await redis.publish(channel, 'revoke');
      return parseTokenRecords({ tokens: [JSON.parse(text) as unknown] }, `Redis key ${key}`)[0];
    },
    watch(onChange, onError) {
      let last = '';
      let stopped = false;
      let pending: Promise<void> | undefined;
      const check = () => {
        pending ??= list()
          .then((records) => {
            const current = JSON.stringify(records);
            if (!stopped && current !== last) {
              last = current;
              onChange(records);
            }
          }, onError)
          .finally(() => {
            pending = undefined;
          });
      };
      // A subscribed connection can do nothing else, so it is a second one.
      // The main connection refuses commands while disconnected; this one may wait for its connection.
      const subscriber = redis.duplicate({ lazyConnect: false, enableOfflineQueue: true });
      subscriber.on('error', () => undefined);
      subscriber.on('message', (from: string) => {
        if (from === channel) check();
      });
      // After a reconnect ioredis subscribes again by itself; re-read in case a message was missed.
      subscriber.on('ready', check);
      subscriber.subscribe(channel).catch(onError);
      const timer = setInterval(check, options.pollMs ?? 5000);
      timer.unref();
      check();
      return () => {
        stopped = true;
        clearInterval(timer);
        subscriber.disconnect();
      };
    },
  };
}
