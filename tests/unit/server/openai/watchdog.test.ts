// @vitest-environment node
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createWatchdog } from '../../../../server/openai/watchdog.ts';
import { ErrorCode } from '../../../../protocol/index.ts';

describe('watchdog', () => {
  beforeEach(() => vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] }));
  afterEach(() => vi.useRealTimers());

  it('stays alive while kicked more often than the timeout', () => {
    const dog = createWatchdog(new AbortController().signal, 1000, 'chat', []);
    for (let i = 0; i < 50; i++) {
      vi.advanceTimersByTime(400);
      dog.kick();
    }
    expect(dog.signal.aborted).toBe(false);
    dog.dispose();
  });

  it('aborts with UPSTREAM_TIMEOUT after the timeout of silence since the last kick', () => {
    const dog = createWatchdog(new AbortController().signal, 1000, 'chat', []);
    vi.advanceTimersByTime(700);
    dog.kick();
    vi.advanceTimersByTime(999);
    expect(dog.signal.aborted).toBe(false);
    vi.advanceTimersByTime(2);
    expect(dog.signal.aborted).toBe(true);
    expect(dog.classify(new Error('x')).info.code).toBe(ErrorCode.UpstreamTimeout);
  });

  it('does not count while paused, and counts again from the next kick', () => {
    const dog = createWatchdog(new AbortController().signal, 1000, 'chat', []);
    dog.pause();
    vi.advanceTimersByTime(5000);
    expect(dog.signal.aborted).toBe(false);
    dog.kick();
    vi.advanceTimersByTime(1001);
    expect(dog.signal.aborted).toBe(true);
  });

  it('reports the caller abort as CANCELLED, and dispose stops the timer', () => {
    const parent = new AbortController();
    const dog = createWatchdog(parent.signal, 1000, 'chat', []);
    parent.abort();
    expect(dog.signal.aborted).toBe(true);
    expect(dog.classify(new Error('x')).info.code).toBe(ErrorCode.Cancelled);
    const quiet = createWatchdog(new AbortController().signal, 1000, 'chat', []);
    quiet.dispose();
    vi.advanceTimersByTime(5000);
    expect(quiet.signal.aborted).toBe(false);
  });
});
