// Sends relay frames on one socket: dialect filtering, secret redaction, bounded send buffer.
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
}

/** How long a slow reader gets to complete the close handshake before the socket is destroyed. */
const OVERFLOW_TERMINATE_MS = 1000;

export function createFrameSender(ws: WebSocket, dialect: Dialect, options: FrameSenderOptions): FrameSender {
  let overflowed = false;
  return {
    send(message) {
      if (overflowed || ws.readyState !== ws.OPEN) return;
      // Legacy clients only know OK, Error, TextChunk and TextEnd; anything else would confuse them.
      if (dialect === 'legacy' && !LEGACY_SERVER_TYPES.has(message.type)) return;
      const safe: ServerMessage =
        message.type === 'error' ? { ...message, error: { ...message.error, message: options.redact(message.error.message) } } : message;
      ws.send(encodeServerMessage(safe, dialect));
      if (ws.bufferedAmount > options.maxBufferedBytes) {
        // A client that stops reading would otherwise make the relay buffer audio without bound.
        overflowed = true;
        ws.close(CloseCode.SlowConsumer, 'slow consumer: send buffer full');
        setTimeout(() => ws.terminate(), OVERFLOW_TERMINATE_MS).unref();
        options.onOverflow();
      }
    },
  };
}
