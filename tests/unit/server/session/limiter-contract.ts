// The RateLimiter contract, run against the in-memory and the Redis backend alike.
import { afterEach, describe, expect, it } from 'vitest';
import type { RateLimiter } from '../../../../server/session/rate-limiter.ts';

export interface LimiterFactory {
  name: string;
  /** A fresh limiter with windows of this many seconds and its own key space. */
  create(windowSeconds: number): Promise<{ limiter: RateLimiter; close(): Promise<void> }>;
}

export function describeRateLimiter(factory: LimiterFactory): void {
  describe(`${factory.name} rate limiter`, () => {
    const open: Array<() => Promise<void>> = [];
    const make = async (windowSeconds: number) => {
      const made = await factory.create(windowSeconds);
      open.push(made.close);
      return made.limiter;
    };
    afterEach(async () => {
      await Promise.all(open.splice(0).map((close) => close()));
    });

    it('allows `limit` turns per window per key and says when the next frees up', async () => {
      const limiter = await make(1);
      const budget = (key: string) => [{ key, limit: 2 }];
      expect(await limiter.take(budget('t'))).toEqual({ ok: true });
      expect(await limiter.take(budget('t'))).toEqual({ ok: true });
      expect(await limiter.take(budget('other'))).toEqual({ ok: true });
      const refused = await limiter.take(budget('t'));
      expect(refused).toMatchObject({ ok: false, limit: 2 });
      if (refused.ok) throw new Error('expected a refusal');
      expect(refused.retryAfterMs).toBeGreaterThan(0);
      expect(refused.retryAfterMs).toBeLessThanOrEqual(1000);
      await new Promise((resolve) => setTimeout(resolve, refused.retryAfterMs + 50));
      expect(await limiter.take(budget('t'))).toEqual({ ok: true });
    });

    it('caps one session under its token without spending the token on refused turns', async () => {
      // A long window, so a slow machine cannot straddle two of them mid-test.
      const limiter = await make(30);
      const budgets = (session: string) => [
        { key: 'token', limit: 5 },
        { key: `session:${session}`, limit: 2 },
      ];
      expect((await limiter.take(budgets('flood'))).ok).toBe(true);
      expect((await limiter.take(budgets('flood'))).ok).toBe(true);
      for (let i = 0; i < 10; i++) expect(await limiter.take(budgets('flood'))).toMatchObject({ ok: false, limit: 2 });
      // The flood's refused turns took nothing from the token: three neighbours still fit.
      expect((await limiter.take(budgets('a'))).ok).toBe(true);
      expect((await limiter.take(budgets('b'))).ok).toBe(true);
      expect((await limiter.take(budgets('c'))).ok).toBe(true);
      expect(await limiter.take(budgets('d'))).toMatchObject({ ok: false, limit: 5 });
    });
  });
}
