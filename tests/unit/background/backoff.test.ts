import { describe, expect, it } from 'vitest';
import { backoffDelay, sleep } from '../../../lib/background/backoff.ts';

describe('backoffDelay', () => {
  const options = { baseMs: 500, capMs: 30_000 };

  it('stays within [0, min(cap, base·2^attempt)) for any jitter', () => {
    for (let attempt = 0; attempt < 12; attempt++) {
      const ceiling = Math.min(30_000, 500 * 2 ** attempt);
      for (const r of [0, 0.25, 0.5, 0.999999]) {
        const delay = backoffDelay(attempt, { ...options, random: () => r });
        expect(delay).toBeGreaterThanOrEqual(0);
        expect(delay).toBeLessThan(ceiling);
      }
    }
  });

  it('grows exponentially until the cap', () => {
    const top = (attempt: number) => backoffDelay(attempt, { ...options, random: () => 0.999999 });
    expect([0, 1, 2, 3, 4, 5, 6, 7, 20].map(top)).toEqual([499, 999, 1999, 3999, 7999, 15999, 29999, 29999, 29999]);
  });

  it('uses the whole range (full jitter), not a fixed delay', () => {
    const seen = new Set(Array.from({ length: 50 }, () => backoffDelay(6, options)));
    expect(seen.size).toBeGreaterThan(10);
  });
});

describe('sleep', () => {
  it('resolves at once when its signal aborts', async () => {
    const controller = new AbortController();
    const slept = sleep(60_000, controller.signal);
    controller.abort();
    await expect(slept).resolves.toBeUndefined();
  });
});
