import { describe, expect, it } from 'vitest';
import {
  characterDurations,
  COMMA_PAUSE_MS,
  MS_PER_CHAR,
  PERIOD_PAUSE_MS,
  scheduleSentence,
  sentenceDurationMs,
} from '../../../lib/chat/typing-schedule.ts';

const sum = (values: number[]): number => values.reduce((a, b) => a + b, 0);

describe('scheduleSentence', () => {
  it('spreads a spoken sentence over its audio duration plus the punctuation pauses', () => {
    const text = 'Well, it is Paris. Yes, Paris.';
    const durations = characterDurations(text, 2000);
    expect(durations).toHaveLength(Array.from(text).length);
    expect(sum(durations)).toBeCloseTo(2000 + 2 * COMMA_PAUSE_MS + 2 * PERIOD_PAUSE_MS, 6);
    expect(sentenceDurationMs(text, 2000)).toBe(2000 + 2 * COMMA_PAUSE_MS + 2 * PERIOD_PAUSE_MS);
  });

  it('puts the pause right after the comma and the period', () => {
    const text = 'ab,cd.ef';
    const step = 800 / text.length;
    const offsets = scheduleSentence(text, 800);
    const durations = characterDurations(text, 800);
    expect(durations[2]).toBeCloseTo(step + COMMA_PAUSE_MS, 6); // ','
    expect(durations[5]).toBeCloseTo(step + PERIOD_PAUSE_MS, 6); // '.'
    expect(durations[0]).toBeCloseTo(step, 6);
    expect(offsets[3]).toBeCloseTo(3 * step + COMMA_PAUSE_MS, 6);
    expect(offsets[6]).toBeCloseTo(6 * step + COMMA_PAUSE_MS + PERIOD_PAUSE_MS, 6);
  });

  it('types 40 ms per character without audio', () => {
    const text = 'Hi, you.';
    expect(scheduleSentence(text, null)).toEqual([0, 1, 2, 3, 4, 5, 6, 7].map((i) => i * MS_PER_CHAR));
    expect(sentenceDurationMs(text, null)).toBe(text.length * MS_PER_CHAR);
  });

  it('shows everything at once when instant', () => {
    expect(scheduleSentence('Hello, world.', 1500, true)).toEqual(new Array(13).fill(0));
    expect(sentenceDurationMs('Hello, world.', 1500, true)).toBe(0);
  });

  it('counts an emoji as one character', () => {
    expect(scheduleSentence('a😀b', null)).toEqual([0, 40, 80]);
  });

  it('is monotonic', () => {
    const offsets = scheduleSentence('One, two. Three, four, five.', 1234);
    for (let i = 1; i < offsets.length; i++) expect(offsets[i]).toBeGreaterThan(offsets[i - 1] ?? Infinity);
  });
});
