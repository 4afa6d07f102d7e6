import { describe, expect, it } from 'vitest';
import type { TurnLogRecord } from '../../../../server/log.ts';
import { combineObservers, type TurnObserver } from '../../../../server/session/turn-observer.ts';
import { createMemoryUsageStore } from '../../../../server/usage/memory-usage-store.ts';
import { createUsageRecorder } from '../../../../server/usage/usage-recorder.ts';
import { utcDay, type UsageStore } from '../../../../server/usage/usage-store.ts';

const record: TurnLogRecord = { sessionHash: 'h', tokenId: 'aaaaaaaaaaaaaaaa', turnId: 1, kind: 'voice', transport: 'ws', outcome: 'ok', totalMs: 10, chunks: 1 };
const today = utcDay(new Date());

describe('usage recorder', () => {
  it('adds one turn and what the turn spent to the token of that turn', async () => {
    const store = createMemoryUsageStore({ retentionDays: 1 });
    const recorder = createUsageRecorder(store, (error) => {
      throw error;
    });
    recorder.turnEnded({ ...record, promptTokens: 30, completionTokens: 12, transcribedMs: 1861, spokenChars: 50 });
    recorder.turnEnded({ ...record, outcome: 'cancelled' });
    recorder.turnRefused(record.tokenId, 'RATE_LIMITED');
    // Speculative uploads of a recording that was dropped: audio, but no turn.
    recorder.speculationsWasted(record.tokenId, { requests: 2, transcribedMs: 640 });
    await Promise.resolve();
    expect(await store.read({ fromDay: today, toDay: today })).toEqual([
      { tokenId: record.tokenId, day: today, turns: 2, promptTokens: 30, completionTokens: 12, transcribedMs: 1861 + 640, spokenChars: 50 },
    ]);
  });

  it('reports a failing store instead of throwing into the turn', async () => {
    const failing: UsageStore = { add: () => Promise.reject(new Error('store down')), read: () => Promise.resolve([]), close: () => undefined };
    const errors: unknown[] = [];
    const recorder = createUsageRecorder(failing, (error) => errors.push(error));
    expect(() => recorder.turnEnded(record)).not.toThrow();
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(String(errors[0])).toContain('store down');
  });

  it('tells every observer even when one throws', () => {
    const seen: string[] = [];
    const throwing: TurnObserver = {
      turnEnded: () => {
        throw new Error('metrics bug');
      },
      turnRefused: () => undefined,
      speculationsWasted: () => undefined,
    };
    const counting: TurnObserver = {
      turnEnded: (r) => seen.push(`ended ${r.turnId}`),
      turnRefused: (_id, code) => seen.push(code),
      speculationsWasted: (_id, wasted) => seen.push(`wasted ${wasted.requests}`),
    };
    const errors: unknown[] = [];
    const both = combineObservers([throwing, counting], (error) => errors.push(error));
    both.turnEnded(record);
    both.turnRefused(record.tokenId, 'SHUTTING_DOWN');
    both.speculationsWasted(record.tokenId, { requests: 1, transcribedMs: 10 });
    expect(seen).toEqual(['ended 1', 'SHUTTING_DOWN', 'wasted 1']);
    expect(errors).toHaveLength(1);
  });
});
