import { browser } from 'wxt/browser';
import { sendMessage } from '../messages.ts';
import { MIC_MESSAGES } from './mic-errors.ts';
import { EngineHostError, type RecorderHost, type RecorderStartResult } from './recorder-host.ts';

/**
 * Firefox's recorder host: a small visible extension window (recorder.html).
 * Firefox has no offscreen API, and measured on Firefox ESR 153 with permission
 * checks on (docs/firefox.md): the background page is refused getUserMedia even
 * after the extension origin was granted the microphone; an extension frame
 * inside a web page is asked on behalf of that page's site (permission
 * delegation); a visible extension window, focused or not, records with the
 * extension's one-time grant. So each recording opens one such window, which
 * closes itself once its last slice and end are delivered.
 *
 * Conversation mode (issue 11) holds one longer-lived window instead (recorder.html?engine=1): the
 * voice engine runs there, capturing the mic and playing the answers through an AudioContext of that
 * same window, the only playback Firefox's echo cancellation subtracts from that mic. The window
 * closes when the hold is released (conversation ended, panel closed, paused); if the user closes
 * it, the conversation is told through `onLost`.
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
  /** Opens the conversation window (the voice engine's page); resolves its window id. */
  openEngineWindow(): Promise<number | undefined>;
  /** Whether the engine's page answers yet (it registers its listeners when its script runs). */
  pingEngine(): Promise<boolean>;
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
  async openEngineWindow() {
    const url = browser.runtime.getURL('/recorder.html?engine=1');
    const created = await browser.windows.create({ url, type: 'popup', width: 360, height: 220, focused: false });
    return created?.id;
  },
  pingEngine: () => sendMessage('engineReady', undefined),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

interface HeldWindow {
  /** Undefined until the browser gave it, and again once it is closed. */
  windowId: number | undefined;
  onLost?: () => void;
}

export function createWindowRecorderHost(options: WindowHostOptions = {}): RecorderHost {
  const deps: WindowHostDeps = { ...defaultDeps, ...options.deps };
  const startTimeoutMs = options.startTimeoutMs ?? 10_000;
  const closeAfterStopMs = options.closeAfterStopMs ?? 15_000;
  const log = options.log ?? ((message: string, error?: unknown) => console.warn(`[parley] ${message}`, error ?? ''));
  /** Recorder windows still open, by turn id. */
  const windows = new Map<number, number>();
  let currentTurn: number | undefined;
  const closeTimers = new Set<ReturnType<typeof setTimeout>>();

  /** The conversation window, while a hold keeps it open. */
  let engine: HeldWindow | undefined;

  const removeListener = deps.onWindowRemoved((windowId) => {
    for (const [turnId, id] of windows) if (id === windowId) windows.delete(turnId);
    if (engine && engine.windowId === windowId) {
      const lost = engine;
      engine = undefined;
      lost.windowId = undefined;
      lost.onLost?.();
    }
  });

  function closeEngine(held: HeldWindow) {
    if (engine === held) engine = undefined;
    const windowId = held.windowId;
    held.windowId = undefined;
    if (windowId === undefined) return;
    // Closed by the user in the meantime: nothing left to do.
    deps.closeWindow(windowId).catch((error: unknown) => log('conversation window already closed', error));
  }

  /** Waits until the engine's page answers; false if its window went away or it took too long. */
  async function engineAnswers(held: HeldWindow): Promise<boolean> {
    const deadline = Date.now() + startTimeoutMs;
    while (Date.now() < deadline && engine === held) {
      // "Receiving end does not exist" until the page has loaded.
      if (await deps.pingEngine().catch(() => false)) return true;
      await deps.sleep(50);
    }
    return false;
  }

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
    async holdEngine(onLost) {
      const permission = await deps.microphonePermission().catch(() => 'unknown');
      if (permission === 'prompt' || permission === 'denied') throw new EngineHostError('PERMISSION_DENIED', MIC_MESSAGES.PERMISSION_DENIED);
      // One conversation at a time: a new hold takes over from an old one.
      if (engine) closeEngine(engine);
      const held: HeldWindow = { windowId: undefined };
      engine = held;
      try {
        held.windowId = await deps.openEngineWindow();
        if (held.windowId === undefined) throw new Error('the browser gave no window id');
      } catch (error) {
        closeEngine(held);
        throw new EngineHostError('FAILED', `Parley could not open its conversation window (${error instanceof Error ? error.message : String(error)}).`, { cause: error });
      }
      if (!(await engineAnswers(held))) {
        const closed = engine !== held;
        closeEngine(held);
        throw new EngineHostError('FAILED', closed ? 'The Parley conversation window was closed.' : 'The Parley conversation window did not start.');
      }
      // From here on, the user closing the window ends the conversation (before, holdEngine fails instead).
      held.onLost = onLost;
      return () => closeEngine(held);
    },
    dispose() {
      removeListener();
      if (engine) closeEngine(engine);
      for (const timer of closeTimers) clearTimeout(timer);
      closeTimers.clear();
      for (const turnId of [...windows.keys()]) close(turnId);
    },
  };
}
