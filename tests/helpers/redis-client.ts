// One redis-server and one client for a test file: started before its tests, stopped after.
import type { Redis } from 'ioredis';
import { afterAll, beforeAll } from 'vitest';
import { createLogger, type Logger } from '../../server/log.ts';
import { connectRedis } from '../../server/redis/redis-client.ts';
import { startRedisServer, type RedisServer } from './redis-server.ts';

export const quietLogger: Logger = createLogger({ secrets: [], logText: false, write: () => undefined });

export interface TestRedis {
  /** The client; valid inside tests (once beforeAll has run). */
  readonly redis: Redis;
  readonly url: string;
}

/** Registers the file's beforeAll/afterAll hooks and returns their server and client. */
export function useRedis(): TestRedis {
  let server: RedisServer | undefined;
  let client: Redis | undefined;
  beforeAll(async () => {
    server = await startRedisServer();
    client = await connectRedis(server.url, quietLogger);
  }, 20_000);
  afterAll(async () => {
    client?.disconnect();
    await server?.dispose();
  });
  const ready = <T>(value: T | undefined): T => {
    if (value === undefined) throw new Error('useRedis: the server starts in beforeAll; use it inside tests');
    return value;
  };
  return {
    get redis() {
      return ready(client);
    },
    get url() {
      return ready(server).url;
    },
  };
}
