// What every UsageStore must do, run against each backend (memory here, Redis where redis-server runs).
import { describe, expect, it } from 'vitest';
import { utcDay, type UsageStore } from '../../../../server/usage/usage-store.ts';

const at = (iso: string) => new Date(iso);

export function describeUsageStore(name: string, make: (retentionDays: number) => Promise<UsageStore>): void {
  describe(`usage store contract: ${name}`, () => {
    it('adds up per token and UTC day', async () => {
      const store = await make(30);
      await store.add('aaaa', { turns: 1, promptTokens: 10, completionTokens: 5 }, at('2026-11-29T23:59:59Z'));
      await store.add('aaaa', { turns: 1, promptTokens: 7, spokenChars: 40 }, at('2026-11-30T00:00:00Z'));
      await store.add('aaaa', { turns: 1, transcribedMs: 1500 }, at('2026-11-30T12:00:00Z'));
      await store.add('bbbb', { turns: 1, completionTokens: 3 }, at('2026-11-30T12:00:00Z'));
      expect(await store.read({ fromDay: '2026-11-29', toDay: '2026-11-30' })).toEqual([
        { tokenId: 'aaaa', day: '2026-11-29', turns: 1, promptTokens: 10, completionTokens: 5, transcribedMs: 0, spokenChars: 0 },
        { tokenId: 'aaaa', day: '2026-11-30', turns: 2, promptTokens: 7, completionTokens: 0, transcribedMs: 1500, spokenChars: 40 },
        { tokenId: 'bbbb', day: '2026-11-30', turns: 1, promptTokens: 0, completionTokens: 3, transcribedMs: 0, spokenChars: 0 },
      ]);
      expect(await store.read({ tokenId: 'bbbb', fromDay: '2026-11-30', toDay: '2026-11-30' })).toHaveLength(1);
      expect(await store.read({ fromDay: '2026-11-30', toDay: '2026-11-30' })).toHaveLength(2);
      expect(await store.read({ fromDay: '2026-12-01', toDay: '2026-12-31' })).toEqual([]);
      store.close();
    });

    it('ignores increments that are not positive finite numbers', async () => {
      const store = await make(30);
      await store.add('aaaa', { turns: 1, promptTokens: Number.NaN, completionTokens: -5, spokenChars: Number.POSITIVE_INFINITY, transcribedMs: 2.6 }, at('2026-11-30T10:00:00Z'));
      expect(await store.read({ fromDay: '2026-11-30', toDay: '2026-11-30' })).toEqual([
        { tokenId: 'aaaa', day: '2026-11-30', turns: 1, promptTokens: 0, completionTokens: 0, transcribedMs: 3, spokenChars: 0 },
      ]);
      store.close();
    });

    it('counts concurrent increments exactly', async () => {
      const store = await make(1);
      const now = new Date();
      await Promise.all(Array.from({ length: 200 }, () => store.add('cccc', { turns: 1, spokenChars: 3 }, now)));
      const rows = await store.read({ tokenId: 'cccc', fromDay: utcDay(now), toDay: utcDay(now) });
      expect(rows).toEqual([expect.objectContaining({ turns: 200, spokenChars: 600 })]);
      store.close();
    });
  });
}
