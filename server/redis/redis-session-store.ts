// SessionStore in Redis, shared by every relay instance. A session is a hash {v: version, d: JSON};
// update() reads it, mutates a copy and writes it back with a compare-and-set script that refuses
// the write when another instance changed the session in between (then it reads again and retries).
// A sorted set per token orders its sessions by last use (microseconds) for PARLEY_MAX_SESSIONS_PER_TOKEN.
import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import { applyUpdate, type SessionKey, type SessionLimits, type SessionStore } from '../session/session-store.ts';
import type { SessionState } from '../session/session.ts';
import { StoreUnavailableError } from '../session/store-error.ts';

// KEYS: session, token index. ARGV: expected version ('' = absent), JSON, TTL ms, per-token cap.
// Redis's own clock orders sessions, so instances with skewed clocks agree on which is oldest.
const SAVE_SCRIPT = `
local current = redis.call('HGET', KEYS[1], 'v')
if (current or '') ~= ARGV[1] then return -1 end
local version = (tonumber(current) or 0) + 1
redis.call('HSET', KEYS[1], 'v', version, 'd', ARGV[2])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
local t = redis.call('TIME')
-- Microseconds, and strictly after the newest use in this index: two saves within one tick still
-- order by which came last (a tie would let the least recently used rule pick by key name).
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local newest = redis.call('ZREVRANGE', KEYS[2], 0, 0, 'WITHSCORES')
if newest[2] and now <= tonumber(newest[2]) then now = tonumber(newest[2]) + 1 end
redis.call('ZADD', KEYS[2], now, KEYS[1])
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now - tonumber(ARGV[3]) * 1000)
local count = redis.call('ZCARD', KEYS[2])
local cap = tonumber(ARGV[4])
if count > cap then
  local oldest = redis.call('ZRANGE', KEYS[2], 0, count - cap - 1)
  for _, key in ipairs(oldest) do redis.call('DEL', key) end
  redis.call('ZREM', KEYS[2], unpack(oldest))
end
redis.call('PEXPIRE', KEYS[2], ARGV[3])
return version
`;

/** Conflicts need two writers on one session at the same instant; a few retries settle them. */
const MAX_ATTEMPTS = 20;

export interface RedisStoreOptions extends SessionLimits {
  redis: Redis;
  /** Key namespace, so tests (and several relays) can share one Redis. */
  prefix?: string;
}

type SaveCommand = (sessionKey: string, indexKey: string, expected: string, json: string, ttlMs: number, cap: number) => Promise<number>;

export function createRedisSessionStore(options: RedisStoreOptions): SessionStore {
  const { redis } = options;
  const prefix = options.prefix ?? 'parley';
  // Client ids are client-chosen bytes; hashing gives fixed-length keys with nothing to escape.
  const sessionKey = (key: SessionKey) =>
    `${prefix}:s:${key.tokenId}:${createHash('sha256').update(key.clientId).digest('hex').slice(0, 32)}`;
  const indexKey = (tokenId: string) => `${prefix}:t:${tokenId}`;
  redis.defineCommand('parleySaveSession', { numberOfKeys: 2, lua: SAVE_SCRIPT });
  const save = (redis as unknown as { parleySaveSession: SaveCommand }).parleySaveSession.bind(redis);

  /** Every Redis call goes through here: its failures become StoreUnavailableError, nothing else does. */
  const call = async <T>(operation: string, run: () => Promise<T>): Promise<T> => {
    try {
      return await run();
    } catch (error) {
      throw new StoreUnavailableError(operation, { cause: error });
    }
  };

  return {
    async load(key) {
      const json = await call('load', () => redis.hget(sessionKey(key), 'd'));
      return json === null ? undefined : (JSON.parse(json) as SessionState);
    },
    async update(key, mutate) {
      const k = sessionKey(key);
      for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
        const [version, json] = await call('load', () => redis.hmget(k, 'v', 'd'));
        const result = applyUpdate(version === null || json === null ? undefined : json, mutate);
        const saved = await call('save', () =>
          save(k, indexKey(key.tokenId), version ?? '', result.json, options.ttlMs, options.maxPerToken),
        );
        if (saved !== -1) return { value: result.value, existed: result.existed, state: result.state };
        // Another writer got there first: read its version and apply this change on top.
        await new Promise((resolve) => setTimeout(resolve, Math.random() * 2 * attempt));
      }
      throw new StoreUnavailableError('update (the session kept changing under this write)');
    },
    async delete(key) {
      const k = sessionKey(key);
      await call('delete', () => redis.multi().del(k).zrem(indexKey(key.tokenId), k).exec());
    },
    async countForToken(tokenId) {
      return call('count', () => redis.zcount(indexKey(tokenId), (Date.now() - options.ttlMs) * 1000, '+inf'));
    },
    async close() {
      // The client belongs to the composition root, which quits it after everything that uses it.
    },
  };
}
