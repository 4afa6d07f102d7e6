// After SetClientID/Resume: turns of the session that were in flight on a relay instance that is gone
// end with TURN_LOST, once (turns-in-flight.ts has the markers and the liveness rules).
import type { RelayContext } from './relay-context.ts';
import { inFlightMarkers, takeMarkers } from './session-ops.ts';
import type { SessionRef } from './turn-runner.ts';
import { markerFate, type InFlightTurn } from './turns-in-flight.ts';

/** Waited beyond a lease's remaining time before looking again, so the lease has surely run out. */
const LEASE_MARGIN_MS = 250;

export interface LostTurnCheck {
  /**
   * Reports the session's lost turns among `markers` (what SetClientID/Resume's write saw); if some
   * instance's lease still runs, reads the session again once it has run out.
   */
  check(session: SessionRef, markers: readonly InFlightTurn[]): Promise<void>;
  dispose(): void;
}

export interface LostTurnHooks {
  /** The connection's session now; undefined once it closed. A check for another session stops. */
  current(): SessionRef | undefined;
  report(marker: InFlightTurn): void;
  /** Runs the later look in the connection's frame order. */
  enqueue(task: () => Promise<void>): void;
}

export function createLostTurnCheck(ctx: RelayContext, hooks: LostTurnHooks): LostTurnCheck {
  let recheck: ReturnType<typeof setTimeout> | undefined;

  /**
   * A client usually reconnects before a killed instance's lease ran out, hence the second look.
   * Best effort: a store error only costs the report (the next reconnect looks again).
   */
  const run = async (session: SessionRef, known?: readonly InFlightTurn[]): Promise<void> => {
    const mayRecheck = known !== undefined;
    try {
      const lost: InFlightTurn[] = [];
      let waitMs: number | undefined;
      for (const marker of known ?? (await inFlightMarkers(ctx.store, session.key))) {
        const fate = await markerFate(ctx.turnsInFlight, marker);
        if (fate.lost) lost.push(marker);
        else if (fate.recheckInMs !== undefined) waitMs = Math.max(waitMs ?? 0, fate.recheckInMs);
      }
      if (hooks.current() !== session) return;
      for (const marker of await takeMarkers(ctx.store, session.key, lost)) hooks.report(marker);
      if (waitMs === undefined || !mayRecheck) return;
      clearTimeout(recheck);
      recheck = setTimeout(() => {
        recheck = undefined;
        if (hooks.current() === session) hooks.enqueue(() => run(session));
      }, waitMs + LEASE_MARGIN_MS);
      recheck.unref();
    } catch (error) {
      ctx.logger.warn('lost-turn check failed', { error: String(error) });
    }
  };

  return {
    check: (session, markers) => (markers.length === 0 ? Promise.resolve() : run(session, markers)),
    dispose: () => clearTimeout(recheck),
  };
}
