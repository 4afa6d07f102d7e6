/**
 * When each character of a reply appears (issue 4, "Spoken answers"): the original
 * design types a spoken sentence over its audio duration plus 40 ms per comma and
 * 70 ms per period, with each pause placed right after its punctuation mark, so
 * the text breathes where the voice does. Without audio it types 40 ms per
 * character, without pauses. Pure: the caller owns the clock.
 */

export const MS_PER_CHAR = 40;
export const COMMA_PAUSE_MS = 40;
export const PERIOD_PAUSE_MS = 70;

/** Characters are code points, so an emoji is never split in half while typing. */
export function toChars(text: string): string[] {
  return Array.from(text);
}

function pauseAfter(char: string): number {
  if (char === ',') return COMMA_PAUSE_MS;
  if (char === '.') return PERIOD_PAUSE_MS;
  return 0;
}

/** Sum of the comma and period pauses of `text`. */
export function punctuationPauseMs(text: string): number {
  return toChars(text).reduce((sum, char) => sum + pauseAfter(char), 0);
}

/**
 * Reveal offset (ms after the sentence starts) of each character of `text`, one
 * entry per code point. Character i appears after i character steps plus every
 * pause that follows a comma/period before it (pauses only apply in step with
 * audio; plain typing is a steady 40 ms per character); the sentence occupies
 * `sentenceDurationMs(text, audioMs)` in total. `instant` (typing effect off or
 * reduced motion) shows everything at 0.
 */
export function scheduleSentence(text: string, audioDurationMs: number | null, instant = false): number[] {
  const chars = toChars(text);
  if (instant || chars.length === 0) return chars.map(() => 0);
  if (audioDurationMs === null) return chars.map((_, i) => i * MS_PER_CHAR);
  const step = Math.max(0, audioDurationMs) / chars.length;
  const offsets: number[] = [];
  let pauses = 0;
  chars.forEach((char, i) => {
    offsets.push(i * step + pauses);
    pauses += pauseAfter(char);
  });
  return offsets;
}

/**
 * Time the sentence occupies: the audio duration plus its pauses, or 40 ms per
 * character without audio; 0 when instant.
 */
export function sentenceDurationMs(text: string, audioDurationMs: number | null, instant = false): number {
  const count = toChars(text).length;
  if (instant || count === 0) return 0;
  if (audioDurationMs === null) return count * MS_PER_CHAR;
  return Math.max(0, audioDurationMs) + punctuationPauseMs(text);
}

/** Per-character durations (gap until the next character, the last one until the end). */
export function characterDurations(text: string, audioDurationMs: number | null, instant = false): number[] {
  const offsets = scheduleSentence(text, audioDurationMs, instant);
  const end = sentenceDurationMs(text, audioDurationMs, instant);
  return offsets.map((offset, i) => (offsets[i + 1] ?? end) - offset);
}
