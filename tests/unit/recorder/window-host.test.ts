import { describe, expect, it } from 'vitest';
import { EngineHostError } from '../../../lib/recorder/recorder-host.ts';
import { createWindowRecorderHost, type WindowHostDeps } from '../../../lib/recorder/window-host.ts';

/** Firefox's windows as the host sees them: ids, removal events, and a page that answers once loaded. */
function setup(options: { permission?: string; answersAfterPings?: number } = {}) {
  const open = new Set<number>();
  const opened: string[] = [];
  const closed: number[] = [];
  const removedListeners = new Set<(windowId: number) => void>();
  let nextWindow = 10;
  let pings = 0;
  const deps: WindowHostDeps = {
    openWindow: async (turnId) => {
      opened.push(`turn ${turnId}`);
      open.add(nextWindow);
      return nextWindow++;
    },
    openEngineWindow: async () => {
      opened.push('engine');
      open.add(nextWindow);
      return nextWindow++;
    },
    closeWindow: async (windowId) => {
      if (!open.delete(windowId)) throw new Error(`No window with id: ${windowId}.`);
      closed.push(windowId);
      for (const listener of removedListeners) listener(windowId);
    },
    onWindowRemoved: (listener) => {
      removedListeners.add(listener);
      return () => removedListeners.delete(listener);
    },
    microphonePermission: async () => options.permission ?? 'granted',
    sendStart: async () => ({ ok: true }),
    sendStop: async () => undefined,
    pingEngine: async () => {
      pings++;
      if (pings <= (options.answersAfterPings ?? 0)) throw new Error('Could not establish connection. Receiving end does not exist.');
      return true;
    },
    sleep: () => new Promise((resolve) => setTimeout(resolve, 1)),
  };
  const host = createWindowRecorderHost({ deps, startTimeoutMs: 200, log: () => undefined });
  /** The user closes a window with its close button. */
  const userCloses = (windowId: number) => {
    open.delete(windowId);
    for (const listener of removedListeners) listener(windowId);
  };
  return { host, open, opened, closed, userCloses, pings: () => pings };
}

describe("Firefox's recorder host: the conversation window", () => {
  it('opens the engine window, waits until its page answers, and closes it on release', async () => {
    const s = setup({ answersAfterPings: 3 });
    const release = await s.host.holdEngine!();
    expect(s.opened).toEqual(['engine']);
    expect(s.pings()).toBe(4);
    expect([...s.open]).toEqual([10]);
    release();
    await Promise.resolve();
    expect(s.closed).toEqual([10]);
    expect(s.open.size).toBe(0);
    release(); // a second release closes nothing twice
    expect(s.closed).toEqual([10]);
  });

  it('tells the conversation when the user closes the window, once, and not after a release', async () => {
    const s = setup();
    const lost: string[] = [];
    const release = await s.host.holdEngine!(() => lost.push('lost'));
    s.userCloses(10);
    expect(lost).toEqual(['lost']);
    release();
    expect(s.closed).toEqual([]); // already gone: nothing to close

    const releaseNext = await s.host.holdEngine!(() => lost.push('lost again'));
    releaseNext();
    await Promise.resolve();
    expect(s.closed).toEqual([11]);
    expect(lost).toEqual(['lost']); // our own close is not a loss
  });

  it('without the one-time grant it opens no window and says a permission page would help', async () => {
    const s = setup({ permission: 'prompt' });
    const error = await s.host.holdEngine!().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EngineHostError);
    expect((error as EngineHostError).code).toBe('PERMISSION_DENIED');
    expect(s.opened).toEqual([]);
  });

  it('fails and closes the window when its page never answers', async () => {
    const s = setup({ answersAfterPings: Number.POSITIVE_INFINITY });
    const error = await s.host.holdEngine!().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EngineHostError);
    expect((error as Error).message).toMatch(/did not start/);
    expect(s.closed).toEqual([10]);
  });

  it('a window closed while loading fails the hold instead of reporting a loss', async () => {
    const s = setup({ answersAfterPings: Number.POSITIVE_INFINITY });
    const lost: string[] = [];
    const held = s.host.holdEngine!(() => lost.push('lost'));
    await new Promise((resolve) => setTimeout(resolve, 5));
    s.userCloses(10);
    await expect(held).rejects.toThrow(/was closed/);
    expect(lost).toEqual([]);
  });

  it('push-to-talk keeps its own per-turn window beside the conversation window, and dispose closes both', async () => {
    const s = setup();
    await s.host.holdEngine!();
    expect(await s.host.start(7)).toEqual({ ok: true });
    expect(s.opened).toEqual(['engine', 'turn 7']);
    s.host.dispose();
    await Promise.resolve();
    expect(s.closed.sort()).toEqual([10, 11]);
  });
});
