// Turns per minute: sliding windows of start times, per token and per session.

export interface Budget {
  key: string;
  limit: number;
}

export interface RateLimiter {
  /**
   * Takes a slot from every budget, or from none: a turn refused by its session's share must not
   * spend its token's budget. Says how long to wait when any budget is full.
   */
  take(budgets: readonly Budget[]): { ok: true } | { ok: false; retryAfterMs: number; limit: number };
}

/** Windows are dropped once empty, so memory follows active keys, not every key ever seen. */
const SWEEP_EVERY_TAKES = 1000;

export function createRateLimiter(options: { windowMs?: number; now?: () => number } = {}): RateLimiter {
  const windowMs = options.windowMs ?? 60_000;
  const now = options.now ?? Date.now;
  const starts = new Map<string, number[]>();
  let takes = 0;

  const recent = (key: string, t: number) => {
    const list = starts.get(key);
    if (!list) return [];
    let drop = 0;
    while (drop < list.length && t - (list[drop] ?? t) >= windowMs) drop++;
    if (drop > 0) list.splice(0, drop);
    return list;
  };
  const sweep = (t: number) => {
    for (const key of [...starts.keys()]) if (recent(key, t).length === 0) starts.delete(key);
  };

  return {
    take(budgets) {
      const t = now();
      if (++takes % SWEEP_EVERY_TAKES === 0) sweep(t);
      for (const { key, limit } of budgets) {
        const list = recent(key, t);
        if (list.length >= limit) {
          const oldest = list[list.length - limit] ?? t;
          return { ok: false, retryAfterMs: Math.max(1, oldest + windowMs - t), limit };
        }
      }
      for (const { key } of budgets) {
        const list = starts.get(key);
        if (list) list.push(t);
        else starts.set(key, [t]);
      }
      return { ok: true };
    },
  };
}
