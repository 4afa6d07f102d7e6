// Instance leases in Redis (REDIS_URL): each relay process keeps `parley:instance:<id>` alive while it
// runs, so another instance can tell that the one named in a turn's in-flight marker has died (its
// lease ran out) and answer the reconnecting client with TURN_LOST (server/session/turns-in-flight.ts).
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Logger } from '../log.ts';
import { StoreUnavailableError } from '../session/store-error.ts';
import { createRunningTurns, type TurnsInFlight } from '../session/turns-in-flight.ts';

/** A killed instance's turns are reported lost at most this long after it died. */
export const LEASE_TTL_MS = 3000;

export function createRedisTurnsInFlight(options: { redis: Redis; logger: Logger; ttlMs?: number; keyPrefix?: string }): TurnsInFlight {
  const { redis, logger } = options;
  const ttlMs = options.ttlMs ?? LEASE_TTL_MS;
  const instanceId = randomUUID();
  const turns = createRunningTurns();
  const keyOf = (id: string) => `${options.keyPrefix ?? 'parley'}:instance:${id}`;
  let failing = false;
  const renew = () =>
    redis.set(keyOf(instanceId), '1', 'PX', ttlMs).then(
      () => {
        failing = false;
      },
      (error: unknown) => {
        // While Redis is away no instance can read sessions either; the lease is renewed once it is back.
        if (!failing) logger.warn('instance lease not renewed', { error: String(error) });
        failing = true;
      },
    );
  void renew();
  // Three renewals per lease: one lost renewal does not make a live instance look dead.
  const timer = setInterval(() => void renew(), Math.floor(ttlMs / 3));
  timer.unref();
  return {
    instanceId,
    running: turns.running,
    start: turns.start,
    finish: turns.finish,
    async leaseRemainingMs(id) {
      if (id === instanceId) return Infinity;
      let pttl: number;
      try {
        pttl = await redis.pttl(keyOf(id));
      } catch (error) {
        throw new StoreUnavailableError('instance lease read', { cause: error });
      }
      // -2: no such key (expired or deleted); -1: no expiry (never written so by the relay; treat as live).
      if (pttl === -2) return 0;
      return pttl === -1 ? Infinity : pttl;
    },
    async close() {
      await turns.settled();
      clearInterval(timer);
      // Best effort: a lease that could not be deleted runs out by itself within ttlMs.
      await redis.del(keyOf(instanceId)).catch(() => undefined);
    },
  };
}
