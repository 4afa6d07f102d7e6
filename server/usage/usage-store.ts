// Usage per token and UTC day: what a team's relay spent on whom. Counters only ever grow, so every
// write is an increment (atomic in memory, HINCRBY in Redis) and instances never overwrite each other.

/** Counters kept per token and day. All integers, so a Redis store can use HINCRBY. */
export interface UsageCounters {
  turns: number;
  promptTokens: number;
  completionTokens: number;
  /** Milliseconds of audio sent for transcription (reported as seconds). */
  transcribedMs: number;
  /** Characters (code points) sent to text-to-speech. */
  spokenChars: number;
}

export const USAGE_FIELDS = ['turns', 'promptTokens', 'completionTokens', 'transcribedMs', 'spokenChars'] as const satisfies ReadonlyArray<keyof UsageCounters>;

export type UsageDelta = Partial<UsageCounters>;

export interface UsageRow extends UsageCounters {
  tokenId: string;
  /** UTC day, YYYY-MM-DD. */
  day: string;
}

export interface UsageQuery {
  /** Only this token; all tokens when absent. */
  tokenId?: string;
  /** Inclusive UTC days, YYYY-MM-DD. */
  fromDay: string;
  toDay: string;
}

export interface UsageStore {
  /** Adds to the token's counters for the day of `at` (UTC). */
  add(tokenId: string, delta: UsageDelta, at?: Date): Promise<void>;
  /** Rows with any non-zero counter, ordered by day then token id. */
  read(query: UsageQuery): Promise<UsageRow[]>;
  close(): void;
}

export function emptyCounters(): UsageCounters {
  return { turns: 0, promptTokens: 0, completionTokens: 0, transcribedMs: 0, spokenChars: 0 };
}

export function utcDay(at: Date): string {
  return at.toISOString().slice(0, 10);
}

/** The UTC day `days` before `day` (negative goes forward). */
export function dayBefore(day: string, days: number): string {
  return utcDay(new Date(Date.parse(`${day}T00:00:00Z`) - days * 86_400_000));
}

/** Only finite, positive whole increments: a NaN or negative from a misbehaving upstream must not corrupt a total. */
export function cleanDelta(delta: UsageDelta): UsageDelta {
  const out: UsageDelta = {};
  for (const field of USAGE_FIELDS) {
    const value = delta[field];
    if (value !== undefined && Number.isFinite(value) && value > 0) out[field] = Math.round(value);
  }
  return out;
}
