// @vitest-environment node
// One contract, every backend: in process memory and in Redis (a real redis-server).
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll } from 'vitest';
import type { Redis } from 'ioredis';
import { createLogger } from '../../../../server/log.ts';
import { connectRedis } from '../../../../server/redis/redis-client.ts';
import { createRateLimiter } from '../../../../server/session/rate-limiter.ts';
import { startRedisServer, type RedisServer } from '../../../helpers/redis-server.ts';
import { describeRateLimiter } from './limiter-contract.ts';

describeRateLimiter({
  name: 'memory',
  create: async (windowSeconds) => ({ limiter: createRateLimiter({ windowSeconds }), close: async () => undefined }),
});

let server: RedisServer;
let redis: Redis;
const quiet = createLogger({ secrets: [], logText: false, write: () => undefined });
beforeAll(async () => {
  server = await startRedisServer();
  redis = await connectRedis(server.url, quiet);
}, 20_000);
afterAll(async () => {
  redis?.disconnect();
  await server?.dispose();
});

describeRateLimiter({
  name: 'redis',
  create: async (windowSeconds) => ({ limiter: createRateLimiter({ windowSeconds, redis, keyPrefix: `test-${randomUUID()}` }), close: async () => undefined }),
});
