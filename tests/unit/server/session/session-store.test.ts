// @vitest-environment node
// One contract, every backend: the in-memory store and the Redis store (a real redis-server).
import { randomUUID } from 'node:crypto';
import { createRedisSessionStore } from '../../../../server/redis/redis-session-store.ts';
import { createMemorySessionStore } from '../../../../server/session/memory-store.ts';
import { useRedis } from '../../../helpers/redis-client.ts';
import { describeSessionStore } from './store-contract.ts';

describeSessionStore({
  name: 'memory',
  create: async (limits) => createMemorySessionStore({ ...limits, maxSessions: 1000, sweepMs: 50 }),
});

const testRedis = useRedis();

describeSessionStore({
  name: 'redis',
  // A fresh key namespace per store stands in for an empty Redis.
  create: async (limits) => createRedisSessionStore({ ...limits, redis: testRedis.redis, prefix: `test-${randomUUID()}` }),
});
