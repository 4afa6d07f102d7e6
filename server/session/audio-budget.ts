// Voice audio per token per UTC day (PARLEY_AUDIO_BYTES_PER_DAY): transcription is billed by the
// minute, so a leaked or shared token cannot run up an unbounded bill by talking. Bytes, not
// seconds, because they are known before any upstream request. In memory here; with REDIS_URL the
// counters live in Redis (server/redis/redis-audio-budget.ts) so every instance spends one budget.

export interface AudioBudget {
  /** Bytes this token may still send today (Infinity without a limit). Rejects when the store is away. */
  remaining(tokenKey: string, limit: number): Promise<number>;
  /** Records audio sent to transcription. */
  spend(tokenKey: string, bytes: number): Promise<void>;
  /** Milliseconds until the budgets renew (next UTC midnight). */
  renewsInMs(): number;
}

export const DAY_MS = 86_400_000;

/** Milliseconds from `now` to the next UTC midnight, when every budget renews. */
export const msToNextUtcDay = (now: number) => (Math.floor(now / DAY_MS) + 1) * DAY_MS - now;

export function createMemoryAudioBudget(options: { now?: () => number } = {}): AudioBudget {
  const now = options.now ?? Date.now;
  let day = Math.floor(now() / DAY_MS);
  const used = new Map<string, number>();
  const roll = () => {
    const today = Math.floor(now() / DAY_MS);
    if (today !== day) {
      day = today;
      used.clear();
    }
  };
  return {
    remaining(tokenKey, limit) {
      if (limit <= 0) return Promise.resolve(Infinity);
      roll();
      return Promise.resolve(Math.max(0, limit - (used.get(tokenKey) ?? 0)));
    },
    spend(tokenKey, bytes) {
      roll();
      used.set(tokenKey, (used.get(tokenKey) ?? 0) + bytes);
      return Promise.resolve();
    },
    renewsInMs: () => msToNextUtcDay(now()),
  };
}
