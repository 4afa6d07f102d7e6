// The voice benchmark reads its figures off recordings with these detectors (bench/lib/levels.ts); a
// detector that is off by a window, or takes a gap between clips for a stop, skews every row.
import { describe, expect, it } from 'vitest';
import { dbfs, firstAbove, firstDrop, firstWithin, lastAbove, loudest } from '../../../bench/lib/levels.ts';

const RATE = 8000;

function tone(ms: number, amplitude: number): number[] {
  return Array.from({ length: (RATE * ms) / 1000 }, (_, i) => Math.round(Math.sin((2 * Math.PI * 440 * i) / RATE) * amplitude));
}
const silence = (ms: number) => new Array<number>((RATE * ms) / 1000).fill(0);
const pcm = (...parts: number[][]) => Int16Array.from(parts.flat());

describe('level detectors', () => {
  it('measures a sine at its RMS level', () => {
    const s = pcm(tone(100, 3277));
    // 0.1 of full scale peak → -20 dBFS peak, -23 dBFS RMS.
    expect(dbfs(s, 0, s.length)).toBeCloseTo(-23, 0);
  });

  it('finds where a sound starts and ends, to the window', () => {
    const s = pcm(silence(200), tone(300, 8000), silence(200));
    expect(firstAbove(s, RATE, 0, s.length, -50)).toBe(200 * 8);
    expect(lastAbove(s, RATE, 0, s.length, -50)).toBe(500 * 8);
    expect(firstAbove(pcm(silence(100)), RATE, 0, 800, -50)).toBeUndefined();
  });

  it('tells a duck (quieter, held) from silence and from a short dip', () => {
    const loud = 3277;
    const s = pcm(tone(100, loud), silence(10), tone(100, loud), tone(200, loud * 0.2), silence(400));
    const answerDb = dbfs(s, 0, 800);
    const duck = firstWithin(s, RATE, 0, s.length, answerDb - 24, answerDb - 6, 30);
    // The 10 ms gap at 100 ms is silence, not a duck; the ducked part starts at 210 ms.
    expect(duck).toBe(210 * 8);
    // Quiet for 300 ms: only the final silence counts as a stop, not the 10 ms gap.
    expect(firstDrop(s, RATE, 0, s.length, -70, 300)).toBe(410 * 8);
    expect(firstDrop(s, RATE, 0, 410 * 8, -70, 300)).toBeUndefined();
  });

  it('reports the loudest window', () => {
    const s = pcm(silence(100), tone(60, 3277), silence(100));
    expect(loudest(s, RATE, 0, s.length, 5)).toBeCloseTo(-23, 0);
    expect(loudest(pcm(silence(100)), RATE, 0, 800)).toBeLessThan(-100);
  });
});
