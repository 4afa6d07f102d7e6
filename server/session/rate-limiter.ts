// Turns per minute per token: a sliding window of start times.

export interface RateLimiter {
  /** Takes a slot, or says how long to wait before one frees up. */
  take(key: string): { ok: true } | { ok: false; retryAfterMs: number };
}

export function createRateLimiter(options: { limit: number; windowMs?: number; now?: () => number }): RateLimiter {
  const windowMs = options.windowMs ?? 60_000;
  const now = options.now ?? Date.now;
  const starts = new Map<string, number[]>();
  return {
    take(key) {
      const t = now();
      const recent = (starts.get(key) ?? []).filter((start) => t - start < windowMs);
      if (recent.length >= options.limit) {
        starts.set(key, recent);
        const oldest = recent[0] ?? t;
        return { ok: false, retryAfterMs: Math.max(1, oldest + windowMs - t) };
      }
      recent.push(t);
      starts.set(key, recent);
      return { ok: true };
    },
  };
}
