import { describe, expect, it } from 'vitest';
import { createRedisTurnsInFlight } from '../../../../server/redis/redis-turns-in-flight.ts';
import { createMemorySessionStore } from '../../../../server/session/memory-store.ts';
import { clearInFlight, inFlightMarkers, recordAnswer, recordQuestion, takeMarkers } from '../../../../server/session/session-ops.ts';
import { emptySessionState } from '../../../../server/session/session.ts';
import {
  addMarker,
  createLocalTurnsInFlight,
  markerFate,
  MAX_MARKER_AGE_MS,
  newMarker,
  removeMarker,
  type TurnsInFlight,
} from '../../../../server/session/turns-in-flight.ts';
import { quietLogger, useRedis } from '../../../helpers/redis-client.ts';

const key = { tokenId: 'tok', clientId: 'client' };
const options = { maxTurns: 20, systemPrompt: 'Be brief.' };
const store = () => createMemorySessionStore({ maxSessions: 10, maxPerToken: 10, ttlMs: 60_000 });

/** Another instance whose lease has `remaining` ms left (0 = it died). */
const otherInstance = (remaining: number): TurnsInFlight => ({
  ...createLocalTurnsInFlight(),
  instanceId: 'other',
  leaseRemainingMs: (id) => Promise.resolve(id === 'other' ? Infinity : remaining),
});

describe('in-flight markers in the session', () => {
  it('go in with the question and out with the answer, in the same writes', async () => {
    const sessions = store();
    const local = createLocalTurnsInFlight();
    const marker = newMarker(local, 7);
    await recordQuestion(sessions, key, 'question', options, undefined, marker);
    expect(await inFlightMarkers(sessions, key)).toEqual([marker]);
    await recordAnswer(sessions, key, 'question', 'answer', 20, marker.id);
    expect(await inFlightMarkers(sessions, key)).toEqual([]);
    expect((await sessions.load(key))?.history.map((m) => [m.role, m.answered])).toEqual([
      ['user', true],
      ['assistant', undefined],
    ]);
  });

  it('leave with clearInFlight when a turn ends without an answer, the question staying unanswered', async () => {
    const sessions = store();
    const marker = newMarker(createLocalTurnsInFlight(), 1);
    await recordQuestion(sessions, key, 'question', options, undefined, marker);
    await clearInFlight(sessions, key, marker.id);
    const state = await sessions.load(key);
    expect(state?.inFlight).toBeUndefined();
    expect(state?.history).toEqual([{ role: 'user', content: 'question', answered: false }]);
  });

  it('are taken once: a second taker of the same lost turn gets nothing', async () => {
    const sessions = store();
    const a = newMarker(createLocalTurnsInFlight(), 1);
    const b = newMarker(createLocalTurnsInFlight(), 2);
    await recordQuestion(sessions, key, 'one', options, undefined, a);
    await recordQuestion(sessions, key, 'two', options, undefined, b);
    expect(await takeMarkers(sessions, key, [a])).toEqual([a]);
    expect(await takeMarkers(sessions, key, [a])).toEqual([]);
    expect(await inFlightMarkers(sessions, key)).toEqual([b]);
  });

  it('drops markers too old to belong to a running turn when a new one is added', () => {
    const local = createLocalTurnsInFlight();
    const state = emptySessionState();
    const now = 1_000_000_000;
    addMarker(state, newMarker(local, 1, now - MAX_MARKER_AGE_MS - 1), now);
    const fresh = newMarker(local, 2, now);
    addMarker(state, fresh, now);
    expect(state.inFlight).toEqual([fresh]);
    expect(removeMarker(state, fresh.id)).toBe(true);
    expect(removeMarker(state, fresh.id)).toBe(false);
    expect(state.inFlight).toBeUndefined();
  });
});

describe('whether a marked turn is lost', () => {
  it('in one process: lost only when the turn no longer runs here, and not while its marker is being cleared', async () => {
    const local = createLocalTurnsInFlight();
    const marker = newMarker(local, 3);
    local.start(marker.id);
    expect(await markerFate(local, marker)).toEqual({ lost: false });
    let clearDone = () => undefined as void;
    local.finish(marker.id, () => new Promise<void>((resolve) => (clearDone = resolve)));
    expect(await markerFate(local, marker)).toEqual({ lost: false });
    let closed = false;
    const closing = local.close().then(() => (closed = true));
    await Promise.resolve();
    expect(closed).toBe(false);
    clearDone();
    await closing;
    expect(await markerFate(local, marker)).toEqual({ lost: true });
  });

  it('a marker whose clear fails leaves the running set all the same', async () => {
    const local = createLocalTurnsInFlight();
    const marker = newMarker(local, 4);
    local.start(marker.id);
    local.finish(marker.id, () => Promise.reject(new Error('store away')));
    await local.close();
    expect(local.running.has(marker.id)).toBe(false);
  });

  it("on another instance: lost when its lease is gone, looked at again when it still runs", async () => {
    const marker = newMarker(otherInstance(0), 4);
    const onDead = { ...marker, instance: 'dead' };
    expect(await markerFate(otherInstance(0), onDead)).toEqual({ lost: true });
    expect(await markerFate(otherInstance(1800), onDead)).toEqual({ lost: false, recheckInMs: 1800 });
  });

  it('never for a marker older than any turn (left by a failed clear)', async () => {
    const now = Date.now();
    const stale = { ...newMarker(otherInstance(0), 5, now - MAX_MARKER_AGE_MS), instance: 'dead' };
    expect(await markerFate(otherInstance(0), stale, now)).toEqual({ lost: false });
  });
});

describe('instance leases in Redis', () => {
  const redis = useRedis();

  it('show a live instance to the others, with at most the lease left, and none once it stopped', async () => {
    const a = createRedisTurnsInFlight({ redis: redis.redis, logger: quietLogger, ttlMs: 600 });
    const b = createRedisTurnsInFlight({ redis: redis.redis, logger: quietLogger, ttlMs: 600 });
    try {
      // The first renewal is asynchronous; wait for it.
      await new Promise((resolve) => setTimeout(resolve, 50));
      const left = await a.leaseRemainingMs(b.instanceId);
      expect(left).toBeGreaterThan(0);
      expect(left).toBeLessThanOrEqual(600);
      expect(await a.leaseRemainingMs(a.instanceId)).toBe(Infinity);
      // Renewed: still alive after more than one lease.
      await new Promise((resolve) => setTimeout(resolve, 900));
      expect(await a.leaseRemainingMs(b.instanceId)).toBeGreaterThan(0);
      await b.close();
      expect(await a.leaseRemainingMs(b.instanceId)).toBe(0);
      expect(await a.leaseRemainingMs('never-existed')).toBe(0);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });
});
