// @vitest-environment node
// One contract, every backend: the in-memory store and the Redis store (a real redis-server).
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll } from 'vitest';
import type { Redis } from 'ioredis';
import { createLogger } from '../../../../server/log.ts';
import { connectRedis } from '../../../../server/redis/redis-client.ts';
import { createRedisSessionStore } from '../../../../server/redis/redis-session-store.ts';
import { createMemorySessionStore } from '../../../../server/session/memory-store.ts';
import { startRedisServer, type RedisServer } from '../../../helpers/redis-server.ts';
import { describeSessionStore } from './store-contract.ts';

describeSessionStore({
  name: 'memory',
  create: async (limits) => createMemorySessionStore({ ...limits, maxSessions: 1000, sweepMs: 50 }),
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

describeSessionStore({
  name: 'redis',
  // A fresh key namespace per store stands in for an empty Redis.
  create: async (limits) => createRedisSessionStore({ ...limits, redis, prefix: `test-${randomUUID()}` }),
});
