// One clock for every process in a benchmark run: wall-clock milliseconds with sub-millisecond
// resolution. performance.now() alone is per-process; adding timeOrigin makes stamps comparable
// between the measuring process, relays and helper processes on the same machine.
import { performance } from 'node:perf_hooks';

export function wallNow(): number {
  return performance.timeOrigin + performance.now();
}

/** Converts a performance.now() stamp taken in this process to the shared clock. */
export function toWall(perfStamp: number): number {
  return performance.timeOrigin + perfStamp;
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
