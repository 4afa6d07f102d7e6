// @vitest-environment node
// One contract, every backend: in process memory and in Redis (a real redis-server).
import { randomUUID } from 'node:crypto';
import { createRateLimiter } from '../../../../server/session/rate-limiter.ts';
import { useRedis } from '../../../helpers/redis-client.ts';
import { describeRateLimiter } from './limiter-contract.ts';

describeRateLimiter({
  name: 'memory',
  create: async (windowSeconds) => ({ limiter: createRateLimiter({ windowSeconds }), close: async () => undefined }),
});

const testRedis = useRedis();

describeRateLimiter({
  name: 'redis',
  create: async (windowSeconds) => ({ limiter: createRateLimiter({ windowSeconds, redis: testRedis.redis, keyPrefix: `test-${randomUUID()}` }), close: async () => undefined }),
});
