// Every running turn of the relay (WebSocket and HTTP), so shutdown can let them finish or abort them.
import type { TurnAbortReason } from './turn-runner.ts';

export interface TurnTracker {
  /** False once shutdown began: new turns are refused with SHUTTING_DOWN. */
  accepting(): boolean;
  track(controller: AbortController, done: Promise<unknown>): void;
  running(): number;
  /** Stops accepting, waits up to graceMs for running turns, then aborts the rest and waits for them to settle. */
  drain(graceMs: number): Promise<{ finished: number; aborted: number }>;
}

export function createTurnTracker(): TurnTracker {
  const turns = new Map<AbortController, Promise<unknown>>();
  let open = true;
  const settled = () => Promise.allSettled([...turns.values()]);
  return {
    accepting: () => open,
    track(controller, done) {
      const entry = done.finally(() => turns.delete(controller));
      turns.set(controller, entry);
    },
    running: () => turns.size,
    async drain(graceMs) {
      open = false;
      const before = turns.size;
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([settled(), new Promise((resolve) => (timer = setTimeout(resolve, graceMs)))]);
      clearTimeout(timer);
      const aborted = turns.size;
      const reason: TurnAbortReason = 'shutdown';
      for (const controller of turns.keys()) controller.abort(reason);
      await settled();
      return { finished: before - aborted, aborted };
    },
  };
}
