// The relay's Redis connection (REDIS_URL), tuned so a Redis outage fails requests at once instead
// of queueing them: turns end with STORE_UNAVAILABLE, and ioredis reconnects by itself in the background.
import { Redis } from 'ioredis';
import type { Logger } from '../log.ts';

/** Redis could not be reached at start; the message says where (never the password) and what to do. */
export class RedisConnectError extends Error {
  override readonly name = 'RedisConnectError';
}

/** host:port of a redis:// URL, for messages: the URL itself may carry a password. */
export function redisAddress(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.hostname}:${parsed.port || '6379'}`;
  } catch {
    // loadConfig validated the shape; a URL the parser refuses is still not worth echoing.
    return 'REDIS_URL';
  }
}

export interface RedisClientOptions {
  /** Longest wait for any one command; a Redis that hangs fails the turn instead of stalling it. */
  commandTimeoutMs?: number;
  /** How long start-up waits for the first connection before giving up. */
  connectTimeoutMs?: number;
}

export async function connectRedis(url: string, logger: Logger, options: RedisClientOptions = {}): Promise<Redis> {
  const address = redisAddress(url);
  const client = new Redis(url, {
    lazyConnect: true,
    // Commands issued while disconnected fail at once instead of waiting in a queue.
    enableOfflineQueue: false,
    // A command whose reply was lost with the connection fails rather than being sent again: it may
    // have run (a retried history append would repeat an answer), and the turn is retryable anyway.
    maxRetriesPerRequest: 0,
    commandTimeout: options.commandTimeoutMs ?? 2000,
    connectTimeout: options.connectTimeoutMs ?? 3000,
    // Reconnect forever, quickly at first, at most every 2 s: the relay recovers without a restart.
    retryStrategy: (attempt) => Math.min(100 * attempt, 2000),
  });
  let down = false;
  let connected = false;
  let lastError = 'connection closed';
  // Without a listener ioredis's error events would crash the process; the outage is logged once,
  // when ioredis starts reconnecting (a deliberate quit() does not reconnect, so it logs nothing).
  client.on('error', (error: Error) => {
    lastError = error.message;
  });
  client.on('reconnecting', () => {
    if (down || !connected) return;
    down = true;
    logger.warn('redis unavailable', { address, error: lastError });
  });
  client.on('ready', () => {
    connected = true;
    if (!down) return;
    down = false;
    logger.info('redis reconnected', { address });
  });
  try {
    await client.connect();
  } catch (error) {
    client.disconnect();
    throw new RedisConnectError(
      `cannot reach Redis at ${address} (REDIS_URL): ${error instanceof Error ? error.message : String(error)}. Start Redis (e.g. apt install redis-server) or unset REDIS_URL to keep sessions in memory.`,
      { cause: error },
    );
  }
  return client;
}
