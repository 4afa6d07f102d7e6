// Sends relay frames on one socket: dialect filtering, secret redaction, bounded send buffer, and
// text deltas merged into one TextChunk when several are ready at once: those the upstream delivered
// in one read, and those written while the client is behind.
import type { WebSocket } from 'ws';
import { CloseCode, encodeServerMessage, LEGACY_SERVER_TYPES, type Dialect, type ServerMessage } from '../../protocol/index.ts';

export interface FrameSender {
  send(message: ServerMessage): void;
}

export interface FrameSenderOptions {
  /** Close the socket when more than this many bytes are waiting to be written. */
  maxBufferedBytes: number;
  redact: (text: string) => string;
  /** Called once when the reader is too slow and the socket is being closed. */
  onOverflow: () => void;
  /** Hold text deltas while more than this many bytes wait to be written (default COALESCE_ABOVE_BYTES). */
  coalesceAboveBytes?: number;
}

/** How long a slow reader gets to complete the close handshake before the socket is destroyed. */
const OVERFLOW_TERMINATE_MS = 1000;
/**
 * Node's socket high-water mark: past it `socket.write` reports the client as behind. Frames sent then
 * only queue; one frame carrying all the text written meanwhile costs one frame's encoding, header
 * and write instead of one per delta, and reaches the client no later.
 */
export const COALESCE_ABOVE_BYTES = 16 * 1024;
/** How often held text is offered again to a socket that is behind. */
const COALESCE_RECHECK_MS = 5;

export function createFrameSender(ws: WebSocket, dialect: Dialect, options: FrameSenderOptions): FrameSender {
  const coalesceAbove = Math.min(options.coalesceAboveBytes ?? COALESCE_ABOVE_BYTES, options.maxBufferedBytes);
  let overflowed = false;
  // Deltas of one turn held until the current tick ends, or while the socket is behind; sent as one
  // TextChunk, before any other frame.
  let heldTurn = 0;
  let held: string[] = [];
  let heldChars = 0;
  let recheck: ReturnType<typeof setTimeout> | undefined;

  const write = (message: ServerMessage) => {
    ws.send(encodeServerMessage(message, dialect));
    checkOverflow(0);
  };
  const checkOverflow = (pending: number) => {
    if (overflowed || ws.bufferedAmount + pending <= options.maxBufferedBytes) return;
    // A client that stops reading would otherwise make the relay buffer audio without bound.
    overflowed = true;
    held = [];
    heldChars = 0;
    ws.close(CloseCode.SlowConsumer, 'slow consumer: send buffer full');
    setTimeout(() => ws.terminate(), OVERFLOW_TERMINATE_MS).unref();
    options.onOverflow();
  };
  const flush = () => {
    if (recheck !== undefined) clearTimeout(recheck);
    recheck = undefined;
    if (held.length === 0) return;
    const text = held.length === 1 ? (held[0] ?? '') : held.join('');
    held.length = 0;
    heldChars = 0;
    if (overflowed || ws.readyState !== ws.OPEN) return;
    write({ type: 'textChunk', turnId: heldTurn, text });
  };
  const behind = () => ws.bufferedAmount > coalesceAbove && ws.readyState === ws.OPEN;
  /** Sends the held text now, or once a socket that is behind has drained (ws has no public drain event). */
  const offerHeld = () => {
    if (!behind()) return flush();
    recheck ??= setTimeout(() => {
      recheck = undefined;
      offerHeld();
    }, COALESCE_RECHECK_MS);
  };
  // Deltas written in one go (one upstream read: the SDK yields its SSE events one by one, each a
  // chain of promise steps) are sent after the last of them. process.nextTick scheduled from a
  // promise callback runs once the whole microtask queue has drained, so a lone delta leaves within
  // the same callback, still before any other I/O; under load, when each read carries several events,
  // the relay and the client handle one frame instead of several (docs/reliability.md).
  let tickPending = false;
  const onTick = () => {
    tickPending = false;
    if (held.length > 0) offerHeld();
  };
  const sendText = (message: Extract<ServerMessage, { type: 'textChunk' }>) => {
    if (held.length > 0 && heldTurn !== message.turnId) flush();
    heldTurn = message.turnId;
    held.push(message.text);
    // UTF-16 length: within 3x of the bytes, enough to bound what a client that stopped reading costs.
    heldChars += message.text.length;
    if (behind()) {
      checkOverflow(heldChars);
      if (!overflowed) offerHeld();
      return;
    }
    if (!tickPending) {
      tickPending = true;
      process.nextTick(onTick);
    }
  };

  return {
    send(message) {
      if (overflowed || ws.readyState !== ws.OPEN) return;
      // Legacy clients only know OK, Error, TextChunk and TextEnd; anything else would confuse them.
      if (dialect === 'legacy' && !LEGACY_SERVER_TYPES.has(message.type)) return;
      if (message.type === 'textChunk') return sendText(message);
      // Every other frame keeps its place after the text written before it.
      flush();
      if (overflowed || ws.readyState !== ws.OPEN) return;
      write(message.type === 'error' ? { ...message, error: { ...message.error, message: options.redact(message.error.message) } } : message);
    },
  };
}
