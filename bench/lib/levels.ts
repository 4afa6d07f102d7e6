// Level analysis of the voice benchmark's recordings: RMS over short windows of 16-bit PCM, and the
// moments the bench needs (a sound starts, a sound ends, playback drops). Windows of 5 ms keep every
// moment within 5 ms; thresholds are in dBFS of the window's RMS.
export const WINDOW_MS = 5;

export function dbfs(samples: Int16Array, from: number, to: number): number {
  let sum = 0;
  const end = Math.min(to, samples.length);
  for (let i = Math.max(0, from); i < end; i++) sum += (samples[i] ?? 0) ** 2;
  const n = Math.max(1, end - Math.max(0, from));
  return 10 * Math.log10(sum / n / 32768 ** 2 + 1e-12);
}

/** Start index of the first window at or after `from` (before `to`) louder than `thresholdDb`. */
export function firstAbove(samples: Int16Array, rate: number, from: number, to: number, thresholdDb: number): number | undefined {
  const w = Math.round((rate * WINDOW_MS) / 1000);
  for (let i = Math.max(0, from); i + w <= Math.min(to, samples.length); i += w) if (dbfs(samples, i, i + w) > thresholdDb) return i;
  return undefined;
}

/** End index of the last window in [from, to) louder than `thresholdDb`. */
export function lastAbove(samples: Int16Array, rate: number, from: number, to: number, thresholdDb: number): number | undefined {
  const w = Math.round((rate * WINDOW_MS) / 1000);
  let last: number | undefined;
  for (let i = Math.max(0, from); i + w <= Math.min(to, samples.length); i += w) if (dbfs(samples, i, i + w) > thresholdDb) last = i + w;
  return last;
}

/**
 * First index in [from, to) where the level stays below `thresholdDb` for `holdMs` (a duck or a stop,
 * not a dip between two clips).
 */
export function firstDrop(samples: Int16Array, rate: number, from: number, to: number, thresholdDb: number, holdMs: number): number | undefined {
  const w = Math.round((rate * WINDOW_MS) / 1000);
  const need = Math.ceil(holdMs / WINDOW_MS);
  let run = 0;
  for (let i = Math.max(0, from); i + w <= Math.min(to, samples.length); i += w) {
    if (dbfs(samples, i, i + w) < thresholdDb) {
      run++;
      if (run >= need) return i - (need - 1) * w;
    } else run = 0;
  }
  return undefined;
}

/** First index in [from, to) where the level stays within [lowDb, highDb] for `holdMs` (ducked: quieter, not silent). */
export function firstWithin(samples: Int16Array, rate: number, from: number, to: number, lowDb: number, highDb: number, holdMs: number): number | undefined {
  const w = Math.round((rate * WINDOW_MS) / 1000);
  const need = Math.ceil(holdMs / WINDOW_MS);
  let run = 0;
  for (let i = Math.max(0, from); i + w <= Math.min(to, samples.length); i += w) {
    const db = dbfs(samples, i, i + w);
    if (db >= lowDb && db <= highDb) {
      run++;
      if (run >= need) return i - (need - 1) * w;
    } else run = 0;
  }
  return undefined;
}

/** The loudest `windowMs` window in [from, to), dBFS. */
export function loudest(samples: Int16Array, rate: number, from: number, to: number, windowMs = 50): number {
  const w = Math.round((rate * windowMs) / 1000);
  let max = -120;
  for (let i = Math.max(0, from); i + w <= Math.min(to, samples.length); i += w) max = Math.max(max, dbfs(samples, i, i + w));
  return max;
}
