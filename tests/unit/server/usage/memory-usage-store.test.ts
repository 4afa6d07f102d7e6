import { describe, expect, it } from 'vitest';
import { createMemoryUsageStore } from '../../../../server/usage/memory-usage-store.ts';
import { dayBefore, utcDay } from '../../../../server/usage/usage-store.ts';
import { describeUsageStore } from './usage-store-contract.ts';

describeUsageStore('memory', (retentionDays) => Promise.resolve(createMemoryUsageStore({ retentionDays })));

const at = (iso: string) => new Date(iso);

describe('memory usage store', () => {
  it('drops days older than the retention window when a new day starts', async () => {
    const store = createMemoryUsageStore({ retentionDays: 2 });
    await store.add('aaaa', { turns: 1 }, at('2026-11-27T10:00:00Z'));
    await store.add('aaaa', { turns: 1 }, at('2026-11-28T10:00:00Z'));
    await store.add('aaaa', { turns: 1 }, at('2026-11-29T10:00:00Z'));
    const days = (await store.read({ fromDay: '2026-01-01', toDay: '2026-12-31' })).map((row) => row.day);
    expect(days).toEqual(['2026-11-28', '2026-11-29']);
  });

  it('computes UTC days across month and year ends', () => {
    expect(dayBefore('2026-03-01', 1)).toBe('2026-02-28');
    expect(dayBefore('2027-01-01', 1)).toBe('2026-12-31');
    expect(dayBefore('2026-11-30', 0)).toBe('2026-11-30');
    expect(utcDay(new Date('2026-11-30T23:30:00-02:00'))).toBe('2026-12-01');
  });
});
