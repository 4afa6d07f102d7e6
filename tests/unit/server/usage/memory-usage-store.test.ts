import { describe, expect, it } from 'vitest';
import { createMemoryUsageStore } from '../../../../server/usage/memory-usage-store.ts';
import { dayBefore, utcDay } from '../../../../server/usage/usage-store.ts';

const at = (iso: string) => new Date(iso);

describe('memory usage store', () => {
  it('adds up per token and UTC day', async () => {
    const store = createMemoryUsageStore({ retentionDays: 30 });
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
  });

  it('ignores increments that are not positive finite numbers', async () => {
    const store = createMemoryUsageStore({ retentionDays: 30 });
    const day = at('2026-11-30T10:00:00Z');
    await store.add('aaaa', { turns: 1, promptTokens: Number.NaN, completionTokens: -5, spokenChars: Number.POSITIVE_INFINITY, transcribedMs: 2.6 }, day);
    expect(await store.read({ fromDay: '2026-11-30', toDay: '2026-11-30' })).toEqual([
      { tokenId: 'aaaa', day: '2026-11-30', turns: 1, promptTokens: 0, completionTokens: 0, transcribedMs: 3, spokenChars: 0 },
    ]);
  });

  it('drops days older than the retention window when a new day starts', async () => {
    const store = createMemoryUsageStore({ retentionDays: 2 });
    await store.add('aaaa', { turns: 1 }, at('2026-11-27T10:00:00Z'));
    await store.add('aaaa', { turns: 1 }, at('2026-11-28T10:00:00Z'));
    await store.add('aaaa', { turns: 1 }, at('2026-11-29T10:00:00Z'));
    const days = (await store.read({ fromDay: '2026-01-01', toDay: '2026-12-31' })).map((row) => row.day);
    expect(days).toEqual(['2026-11-28', '2026-11-29']);
  });

  it('counts concurrent increments exactly', async () => {
    const store = createMemoryUsageStore({ retentionDays: 1 });
    const now = new Date();
    await Promise.all(Array.from({ length: 500 }, () => store.add('aaaa', { turns: 1, spokenChars: 3 }, now)));
    const [row] = await store.read({ fromDay: utcDay(now), toDay: utcDay(now) });
    expect(row).toMatchObject({ turns: 500, spokenChars: 1500 });
  });

  it('computes UTC days across month and year ends', () => {
    expect(dayBefore('2026-03-01', 1)).toBe('2026-02-28');
    expect(dayBefore('2027-01-01', 1)).toBe('2026-12-31');
    expect(dayBefore('2026-11-30', 0)).toBe('2026-11-30');
    expect(utcDay(new Date('2026-11-30T23:30:00-02:00'))).toBe('2026-12-01');
  });
});
