// Turns in flight, recorded in the session so that a turn whose relay instance died is noticed by
// whichever instance the client reconnects to (issue 10: "a turn in flight on an instance that dies
// ends with a clear error on reconnect and can be retried"). A marker goes into the session with the
// question (recordQuestion) and leaves with the answer (recordAnswer) or when the turn ends otherwise.
// A marker whose turn runs nowhere is lost: its instance is this process but the turn is not running
// here, or its instance's lease in the store ran out (server/redis/redis-turns-in-flight.ts).
import { randomUUID } from 'node:crypto';
import type { SessionState } from './session.ts';

export interface InFlightTurn {
  /** Unique per turn (turn ids repeat across connections; legacy turns are all 0). */
  id: string;
  /** The client's turn id, for the TURN_LOST frame. */
  turnId: number;
  /** The relay instance running the turn (TurnsInFlight.instanceId). */
  instance: string;
  /** Wall clock (ms); markers older than MAX_MARKER_AGE_MS are dropped as stale. */
  startedAt: number;
}

/** What a relay process knows about turns in flight. */
export interface TurnsInFlight {
  /** This process, as named in markers (random per start: a restarted process is another instance). */
  readonly instanceId: string;
  /** Marker ids of the turns running in this process (a finished turn's stays until its marker is cleared). */
  readonly running: ReadonlySet<string>;
  /** A turn with this marker started here. */
  start(markerId: string): void;
  /**
   * The turn ended. `clear` removes its marker from the store; it runs without holding up the end of
   * the turn (a legacy client's next message must not find the turn still busy), and the marker stays
   * in `running` until it is done, so a reconnect meanwhile does not take the turn for a lost one.
   */
  finish(markerId: string, clear?: () => Promise<void>): void;
  /**
   * How long the instance's lease still runs: 0 = gone (the instance stopped), Infinity = this
   * process. Rejects with StoreUnavailableError when the store cannot be reached.
   */
  leaseRemainingMs(instanceId: string): Promise<number>;
  /** Waits for markers being cleared, then gives the lease up (graceful shutdown, after the turns drained). */
  close(): Promise<void>;
}

/** The bookkeeping every TurnsInFlight shares: running markers and the clears still under way. */
export function createRunningTurns(): Pick<TurnsInFlight, 'running' | 'start' | 'finish'> & { settled(): Promise<void> } {
  const running = new Set<string>();
  const clearing = new Set<Promise<void>>();
  return {
    running,
    start: (id) => void running.add(id),
    finish(id, clear) {
      if (!clear) {
        running.delete(id);
        return;
      }
      // A failed clear (store outage; the turn already ended with an error) leaves a marker that a
      // later reconnect may report once as TURN_LOST: harmless, and retryable like the turn's own error.
      const done: Promise<void> = clear()
        .catch(() => undefined)
        .finally(() => {
          running.delete(id);
          clearing.delete(done);
        });
      clearing.add(done);
    },
    settled: async () => {
      await Promise.all([...clearing]);
    },
  };
}

/**
 * A turn cannot run longer than this (upstream timeouts, a bounded number of spoken sentences);
 * an older marker was left behind by a failed clear (store outage) and is dropped unreported.
 */
export const MAX_MARKER_AGE_MS = 30 * 60_000;

/** One process with the in-memory store: every marker is this process's, and its lease never ends. */
export function createLocalTurnsInFlight(): TurnsInFlight {
  const instanceId = randomUUID();
  const turns = createRunningTurns();
  return {
    instanceId,
    running: turns.running,
    start: turns.start,
    finish: turns.finish,
    leaseRemainingMs: (id) => Promise.resolve(id === instanceId ? Infinity : 0),
    close: turns.settled,
  };
}

export function newMarker(inFlight: TurnsInFlight, turnId: number, now = Date.now()): InFlightTurn {
  return { id: randomUUID(), turnId, instance: inFlight.instanceId, startedAt: now };
}

export function addMarker(state: SessionState, marker: InFlightTurn, now = Date.now()): void {
  state.inFlight = [...(state.inFlight ?? []).filter((m) => now - m.startedAt < MAX_MARKER_AGE_MS), marker];
}

/** True when the marker was there. */
export function removeMarker(state: SessionState, id: string): boolean {
  const before = state.inFlight ?? [];
  const after = before.filter((m) => m.id !== id);
  if (after.length === before.length) return false;
  if (after.length === 0) delete state.inFlight;
  else state.inFlight = after;
  return true;
}

export type MarkerFate = { lost: true } | { lost: false; recheckInMs?: number };

/**
 * Whether a marker's turn is lost. Another instance's live lease may belong to an instance that was
 * just killed (its lease has not run out yet): the caller checks again once it has.
 */
export async function markerFate(inFlight: TurnsInFlight, marker: InFlightTurn, now = Date.now()): Promise<MarkerFate> {
  if (now - marker.startedAt >= MAX_MARKER_AGE_MS) return { lost: false };
  if (marker.instance === inFlight.instanceId) return { lost: !inFlight.running.has(marker.id) };
  const remaining = await inFlight.leaseRemainingMs(marker.instance);
  if (remaining <= 0) return { lost: true };
  return Number.isFinite(remaining) ? { lost: false, recheckInMs: remaining } : { lost: false };
}
