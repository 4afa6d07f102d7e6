// @vitest-environment node
// The usage store contract against a real redis-server, plus what only Redis does: expiry and outages.
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { connectRedis } from '../../../../server/redis/redis-client.ts';
import { StoreUnavailableError } from '../../../../server/session/store-error.ts';
import { createRedisUsageStore } from '../../../../server/usage/redis-usage-store.ts';
import { quietLogger as quiet, useRedis } from '../../../helpers/redis-client.ts';
import { startRedisServer } from '../../../helpers/redis-server.ts';
import { describeUsageStore } from './usage-store-contract.ts';

const testRedis = useRedis();

// A fresh key namespace per store stands in for an empty Redis.
describeUsageStore('redis', (retentionDays) => Promise.resolve(createRedisUsageStore({ redis: testRedis.redis, retentionDays, keyPrefix: `test-${randomUUID()}` })));

describe('redis usage store', () => {
  it('keeps one hash per day that expires after the retention window', async () => {
    const keyPrefix = `test-${randomUUID()}`;
    const store = createRedisUsageStore({ redis: testRedis.redis, retentionDays: 7, keyPrefix });
    await store.add('aaaaaaaaaaaaaaaa', { turns: 1, spokenChars: 12 }, new Date('2026-11-30T10:00:00Z'));
    const key = `${keyPrefix}:2026-11-30`;
    expect(await testRedis.redis.hgetall(key)).toEqual({ 'aaaaaaaaaaaaaaaa:turns': '1', 'aaaaaaaaaaaaaaaa:spokenChars': '12' });
    const ttl = await testRedis.redis.ttl(key);
    expect(ttl).toBeGreaterThan(7 * 86_400);
    expect(ttl).toBeLessThanOrEqual(8 * 86_400);
  });

  it('adds up what two relay instances write at once', async () => {
    const keyPrefix = `test-${randomUUID()}`;
    const other = await connectRedis(testRedis.url, quiet);
    const one = createRedisUsageStore({ redis: testRedis.redis, retentionDays: 1, keyPrefix });
    const two = createRedisUsageStore({ redis: other, retentionDays: 1, keyPrefix });
    const now = new Date();
    await Promise.all(Array.from({ length: 100 }, (_, i) => (i % 2 === 0 ? one : two).add('bbbbbbbbbbbbbbbb', { turns: 1, promptTokens: 5 }, now)));
    const day = now.toISOString().slice(0, 10);
    expect(await one.read({ fromDay: day, toDay: day })).toEqual([expect.objectContaining({ turns: 100, promptTokens: 500 })]);
    other.disconnect();
  });

  it('fails with StoreUnavailableError while Redis is away, and works again after', async () => {
    const own = await startRedisServer();
    const client = await connectRedis(own.url, quiet);
    const store = createRedisUsageStore({ redis: client, retentionDays: 1 });
    const day = new Date().toISOString().slice(0, 10);
    await own.stop();
    await expect(store.add('cccccccccccccccc', { turns: 1 })).rejects.toBeInstanceOf(StoreUnavailableError);
    await expect(store.read({ fromDay: day, toDay: day })).rejects.toBeInstanceOf(StoreUnavailableError);
    await own.start();
    for (let i = 0; i < 50 && client.status !== 'ready'; i++) await new Promise((resolve) => setTimeout(resolve, 100));
    await store.add('cccccccccccccccc', { turns: 1 });
    expect(await store.read({ fromDay: day, toDay: day })).toEqual([expect.objectContaining({ tokenId: 'cccccccccccccccc', turns: 1 })]);
    client.disconnect();
    await own.dispose();
  }, 30_000);
});
