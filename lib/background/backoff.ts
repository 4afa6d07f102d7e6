/**
 * Reconnect delays: exponential backoff with "full jitter" (a uniformly random
 * delay between 0 and the exponential ceiling). Full jitter spreads the
 * reconnects of many browsers after a relay restart instead of having them
 * all knock at once.
 */
export interface BackoffOptions {
  baseMs: number;
  capMs: number;
  /** Injected for tests; Math.random in production. */
  random?: () => number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { baseMs: 500, capMs: 30_000 };

/** Delay before reconnect attempt `attempt` (0 = first retry after a loss). */
export function backoffDelay(attempt: number, options: BackoffOptions = DEFAULT_BACKOFF): number {
  const random = options.random ?? Math.random;
  const ceiling = Math.min(options.capMs, options.baseMs * 2 ** Math.min(attempt, 30));
  return Math.floor(random() * ceiling);
}

/** Resolves after `ms`, or as soon as `signal` aborts (never rejects: the caller checks the signal). */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const onAbort = () => {
      clearTimeout(timer);
      resolve();
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
