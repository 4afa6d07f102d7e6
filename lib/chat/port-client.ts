import { CHAT_PORT, type BackgroundToContent, type ContentToBackground } from '../messages.ts';

/** The slice of runtime.Port used here (tests pass a fake). */
export interface ChatPortLike {
  postMessage(message: ContentToBackground): void;
  disconnect(): void;
  onMessage: { addListener(listener: (message: unknown) => void): void };
  onDisconnect: { addListener(listener: () => void): void };
}

export interface PortClientOptions {
  connect: (name: string) => ChatPortLike;
  onMessage: (message: BackgroundToContent) => void;
  onConnectedChange: (connected: boolean) => void;
  /** The extension was reloaded or removed: this content script is an orphan. */
  onInvalidated: () => void;
  /** Whether a lost port should be re-opened now (panel open, turn or recording in flight). */
  wanted: () => boolean;
  random?: () => number;
}

export interface PortClient {
  /** Opens the port if needed (sends `hello` first, then anything queued). */
  ensureConnected(): void;
  post(message: ContentToBackground): void;
  dispose(): void;
}

// A record, not a list, so a new message type cannot be forgotten here (TypeScript demands every key).
const KNOWN: Record<BackgroundToContent['type'], true> = {
  snapshot: true,
  conversation: true,
  textChunk: true,
  liveTranscript: true,
  speech: true,
  status: true,
  recording: true,
  attachment: true,
  readAloud: true,
  readAloudSpeech: true,
  conversationState: true,
  speechPlayed: true,
  speechDropped: true,
};
const TYPES: ReadonlySet<string> = new Set(Object.keys(KNOWN));
const OUTBOX_LIMIT = 50;
const BASE_DELAY_MS = 250;
const MAX_DELAY_MS = 8_000;

function isBackgroundMessage(value: unknown): value is BackgroundToContent {
  return typeof value === 'object' && value !== null && TYPES.has((value as { type?: unknown }).type as string);
}

function isInvalidatedError(error: unknown): boolean {
  return error instanceof Error && /context invalidated|extension context/i.test(error.message);
}

/**
 * The tab's end of the chat port. The port dies whenever the MV3 service worker
 * is stopped (30 s idle) or the extension reloads; it is reopened with
 * exponential backoff and full jitter while the UI needs it, and lazily on the
 * next message otherwise, so idle tabs don't keep waking the worker. Messages
 * posted while it is down wait in a small outbox and follow the new `hello`.
 */
export function createPortClient(options: PortClientOptions): PortClient {
  const random = options.random ?? Math.random;
  let port: ChatPortLike | undefined;
  let outbox: ContentToBackground[] = [];
  let attempt = 0;
  let retryTimer: ReturnType<typeof setTimeout> | undefined;
  let disposed = false;

  function invalidate() {
    disposed = true;
    options.onInvalidated();
  }

  function scheduleRetry() {
    if (disposed || retryTimer || !options.wanted()) return;
    const delay = random() * Math.min(MAX_DELAY_MS, BASE_DELAY_MS * 2 ** attempt);
    attempt++;
    retryTimer = setTimeout(() => {
      retryTimer = undefined;
      connect();
    }, delay);
  }

  function connect() {
    if (disposed || port) return;
    let next: ChatPortLike;
    try {
      next = options.connect(CHAT_PORT);
    } catch (error) {
      if (isInvalidatedError(error)) return invalidate();
      console.warn('[parley] cannot reach the extension', error);
      return scheduleRetry();
    }
    port = next;
    next.onMessage.addListener((raw) => {
      if (port !== next) return;
      attempt = 0;
      // The background is trusted, but a malformed message must not break the UI.
      if (isBackgroundMessage(raw)) options.onMessage(raw);
    });
    next.onDisconnect.addListener(() => {
      if (port !== next) return;
      port = undefined;
      options.onConnectedChange(false);
      scheduleRetry();
    });
    try {
      next.postMessage({ type: 'hello' });
      const queued = outbox;
      outbox = [];
      for (const message of queued) next.postMessage(message);
    } catch (error) {
      port = undefined;
      if (isInvalidatedError(error)) return invalidate();
      return scheduleRetry();
    }
    options.onConnectedChange(true);
  }

  return {
    ensureConnected() {
      if (retryTimer) {
        // The user is waiting: skip the rest of the backoff.
        clearTimeout(retryTimer);
        retryTimer = undefined;
      }
      connect();
    },
    post(message) {
      if (disposed) return;
      if (port) {
        try {
          port.postMessage(message);
          return;
        } catch (error) {
          // The port died between its disconnect event and now: queue and reopen.
          port = undefined;
          if (isInvalidatedError(error)) return invalidate();
        }
      }
      outbox.push(message);
      if (outbox.length > OUTBOX_LIMIT) outbox.shift();
      this.ensureConnected();
    },
    dispose() {
      disposed = true;
      if (retryTimer) clearTimeout(retryTimer);
      retryTimer = undefined;
      const current = port;
      port = undefined;
      try {
        current?.disconnect();
      } catch {
        // The port is already gone.
      }
    },
  };
}
