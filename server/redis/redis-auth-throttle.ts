// Failed authentications per address in Redis (REDIS_URL), so every worker and machine counts the
// same failures and honours the same block. Same rules as the in-process throttle
// (server/transport/auth-throttle.ts), with a fixed window per address instead of a sliding one.
// When Redis is away the throttle lets attempts through (the token check still runs) and says so
// once in the log: refusing every client because the counter is unreachable would be worse.
import type { Redis } from 'ioredis';
import type { Logger } from '../log.ts';
import type { AuthThrottle, AuthThrottleOptions } from '../transport/auth-throttle.ts';

// KEYS: failures, strikes, block. ARGV: maxFailures, windowMs, baseBlockMs, maxBlockMs.
// Returns the block started in ms, or 0.
const RECORD_FAILURE = `
local failures = redis.call('INCR', KEYS[1])
if failures == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
if failures < tonumber(ARGV[1]) then return 0 end
redis.call('DEL', KEYS[1])
local strikes = redis.call('INCR', KEYS[2])
local block = math.min(tonumber(ARGV[4]), tonumber(ARGV[3]) * 2 ^ (strikes - 1))
redis.call('SET', KEYS[3], '1', 'PX', block)
-- Strikes are forgotten once the address has been quiet for the longest block after this one.
redis.call('PEXPIRE', KEYS[2], block + tonumber(ARGV[4]))
return block
`;

export function createRedisAuthThrottle(options: AuthThrottleOptions & { redis: Redis; logger: Logger; keyPrefix?: string }): AuthThrottle {
  const { redis, logger } = options;
  const prefix = `${options.keyPrefix ?? 'parley'}:auth`;
  let warned = false;
  const failOpen = (error: unknown) => {
    if (!warned) logger.warn('auth throttle unavailable; failed attempts are not counted until Redis answers', { error: String(error) });
    warned = true;
    return 0;
  };
  const ok = <T>(value: T) => {
    warned = false;
    return value;
  };
  return {
    blockedFor: (address) =>
      redis.pttl(`${prefix}:block:${address}`).then((ms) => ok(Math.max(0, ms)), failOpen),
    recordFailure: (address) =>
      redis
        .eval(
          RECORD_FAILURE,
          3,
          `${prefix}:fail:${address}`,
          `${prefix}:strikes:${address}`,
          `${prefix}:block:${address}`,
          options.maxFailures,
          options.windowMs,
          options.baseBlockMs,
          options.maxBlockMs,
        )
        .then((block) => ok(Number(block)), failOpen),
  };
}
