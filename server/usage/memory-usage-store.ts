// The default UsageStore: one process's counters in a Map, pruned to the retention window.
import { cleanDelta, dayBefore, emptyCounters, USAGE_FIELDS, utcDay, type UsageCounters, type UsageRow, type UsageStore } from './usage-store.ts';

export interface MemoryUsageStoreOptions {
  /** Days kept, counting today; older days are dropped when a new day starts. */
  retentionDays: number;
}

export function createMemoryUsageStore(options: MemoryUsageStoreOptions): UsageStore {
  // day → token id → counters. Map per day makes pruning a day one delete.
  const days = new Map<string, Map<string, UsageCounters>>();

  const prune = (today: string) => {
    const oldest = dayBefore(today, options.retentionDays - 1);
    for (const day of days.keys()) if (day < oldest) days.delete(day);
  };

  return {
    add(tokenId, delta, at = new Date()) {
      const clean = cleanDelta(delta);
      const day = utcDay(at);
      let tokens = days.get(day);
      if (!tokens) {
        tokens = new Map();
        days.set(day, tokens);
        prune(day);
      }
      let counters = tokens.get(tokenId);
      if (!counters) {
        counters = emptyCounters();
        tokens.set(tokenId, counters);
      }
      for (const field of USAGE_FIELDS) counters[field] += clean[field] ?? 0;
      return Promise.resolve();
    },
    read({ tokenId, fromDay, toDay }) {
      const rows: UsageRow[] = [];
      for (const [day, tokens] of days) {
        if (day < fromDay || day > toDay) continue;
        for (const [id, counters] of tokens) {
          if (tokenId !== undefined && id !== tokenId) continue;
          if (USAGE_FIELDS.some((field) => counters[field] > 0)) rows.push({ tokenId: id, day, ...counters });
        }
      }
      rows.sort((a, b) => (a.day === b.day ? a.tokenId.localeCompare(b.tokenId) : a.day.localeCompare(b.day)));
      return Promise.resolve(rows);
    },
    close() {
      days.clear();
    },
  };
}
