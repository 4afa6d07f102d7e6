import { browser } from 'wxt/browser';
import { sendMessage } from '../messages.ts';
import { MIC_MESSAGES } from './mic-errors.ts';
import type { RecorderHost, RecorderStartResult } from './recorder-host.ts';

/**
 * Firefox's recorder host: a small visible extension window (recorder.html).
 * Firefox has no offscreen API, and measured on Firefox ESR 153 with permission
 * checks on (docs/firefox.md): the background page is refused getUserMedia even
 * after the extension origin was granted the microphone; an extension frame
 * inside a web page is asked on behalf of that page's site (permission
 * delegation); a visible extension window, focused or not, records with the
 * extension's one-time grant. So each recording opens one such window, which
 * closes itself once its last slice and end are delivered.
 */
export interface WindowHostDeps {
  /** Opens the recorder page for this turn in a new window; resolves its window id. */
  openWindow(turnId: number): Promise<number | undefined>;
  closeWindow(windowId: number): Promise<void>;
  onWindowRemoved(listener: (windowId: number) => void): () => void;
  /** 'granted' | 'denied' | 'prompt', as the background sees the extension origin's grant. */
  microphonePermission(): Promise<string>;
  sendStart(turnId: number): Promise<RecorderStartResult>;
  sendStop(discard: boolean): Promise<void>;
  sleep(ms: number): Promise<void>;
}

export interface WindowHostOptions {
  deps?: Partial<WindowHostDeps>;
  /** How long the new window may take to load and answer recorderStart. */
  startTimeoutMs?: number;
  /** A window still open this long after stop is closed by the host (the page normally closes itself). */
  closeAfterStopMs?: number;
  log?: (message: string, error?: unknown) => void;
}

const defaultDeps: WindowHostDeps = {
  async openWindow(turnId) {
    // Not focused: the user keeps typing in the page; an unfocused window records too (docs/firefox.md).
    const url = browser.runtime.getURL(`/recorder.html?turn=${turnId}`);
    const created = await browser.windows.create({ url, type: 'popup', width: 340, height: 200, focused: false });
    return created?.id;
  },
  closeWindow: async (windowId) => {
    await browser.windows.remove(windowId);
  },
  onWindowRemoved(listener) {
    browser.windows.onRemoved.addListener(listener);
    return () => browser.windows.onRemoved.removeListener(listener);
  },
  microphonePermission: async () => (await navigator.permissions.query({ name: 'microphone' as PermissionName })).state,
  sendStart: (turnId) => sendMessage('recorderStart', { turnId }),
  sendStop: (discard) => sendMessage('recorderStop', { discard }),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

export function createWindowRecorderHost(options: WindowHostOptions = {}): RecorderHost {
  const deps: WindowHostDeps = { ...defaultDeps, ...options.deps };
  const startTimeoutMs = options.startTimeoutMs ?? 10_000;
  const closeAfterStopMs = options.closeAfterStopMs ?? 15_000;
  const log = options.log ?? ((message: string, error?: unknown) => console.warn(`[parley] ${message}`, error ?? ''));
  /** Recorder windows still open, by turn id. */
  const windows = new Map<number, number>();
  let currentTurn: number | undefined;
  const closeTimers = new Set<ReturnType<typeof setTimeout>>();

  const removeListener = deps.onWindowRemoved((windowId) => {
    for (const [turnId, id] of windows) if (id === windowId) windows.delete(turnId);
  });

  function close(turnId: number) {
    const windowId = windows.get(turnId);
    if (windowId === undefined) return;
    windows.delete(turnId);
    // Already closed by the page itself or by the user: nothing left to do.
    deps.closeWindow(windowId).catch((error: unknown) => log('recorder window already closed', error));
  }

  /** The page registers its listener when its script runs: retry until it answers. */
  async function startInWindow(turnId: number): Promise<RecorderStartResult> {
    const deadline = Date.now() + startTimeoutMs;
    let lastError: unknown;
    while (Date.now() < deadline && windows.has(turnId)) {
      try {
        return await deps.sendStart(turnId);
      } catch (error) {
        // "Receiving end does not exist" until the page has loaded.
        lastError = error;
        await deps.sleep(50);
      }
    }
    const detail = windows.has(turnId) ? (lastError instanceof Error ? lastError.message : 'no answer') : 'its window was closed';
    return { ok: false, code: 'FAILED', message: `Parley could not start its recorder (${detail}).` };
  }

  return {
    async start(turnId) {
      // Without the one-time grant the window would sit on a prompt: send the user to the permission page instead.
      const permission = await deps.microphonePermission().catch(() => 'unknown');
      if (permission === 'prompt' || permission === 'denied') {
        return { ok: false, code: 'PERMISSION_DENIED', message: MIC_MESSAGES.PERMISSION_DENIED };
      }
      currentTurn = turnId;
      try {
        const windowId = await deps.openWindow(turnId);
        if (windowId === undefined) throw new Error('the browser gave no window id');
        windows.set(turnId, windowId);
      } catch (error) {
        log('cannot open the recorder window', error);
        return { ok: false, code: 'FAILED', message: `Parley could not open its recorder window (${error instanceof Error ? error.message : String(error)}).` };
      }
      const result = await startInWindow(turnId);
      if (!result.ok) close(turnId);
      return result;
    },
    async stop(discard) {
      const turnId = currentTurn;
      currentTurn = undefined;
      try {
        await deps.sendStop(discard);
      } catch (error) {
        // No recorder page is listening: nothing is recording, so the stop already holds.
        log('cannot reach the recorder to stop it', error);
      }
      if (turnId === undefined) return;
      if (discard) return close(turnId);
      const timer = setTimeout(() => {
        closeTimers.delete(timer);
        close(turnId);
      }, closeAfterStopMs);
      closeTimers.add(timer);
    },
    dispose() {
      removeListener();
      for (const timer of closeTimers) clearTimeout(timer);
      closeTimers.clear();
      for (const turnId of [...windows.keys()]) close(turnId);
    },
  };
}
