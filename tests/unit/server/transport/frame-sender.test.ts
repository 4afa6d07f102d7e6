import type { WebSocket } from 'ws';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { CloseCode, decodeServerFrame, ErrorCode } from '../../../../protocol/index.ts';
import { COALESCE_ABOVE_BYTES, createFrameSender } from '../../../../server/transport/frame-sender.ts';

function stubSocket() {
  const sent: Uint8Array[] = [];
  const closes: Array<[number, string]> = [];
  const ws = {
    OPEN: 1,
    readyState: 1,
    bufferedAmount: 0,
    send: (data: Uint8Array) => sent.push(data),
    close: (code: number, reason: string) => closes.push([code, reason]),
    terminate: () => undefined,
  };
  return { ws, sent, closes, socket: ws as unknown as WebSocket };
}

describe('frame sender', () => {
  it('sends legacy clients only legacy frames', () => {
    const { socket, sent } = stubSocket();
    const sender = createFrameSender(socket, 'legacy', { maxBufferedBytes: 1000, redact: (t) => t, onOverflow: () => undefined });
    sender.send({ type: 'transcript', turnId: 0, text: 'hi' });
    sender.send({ type: 'speechAudio', turnId: 0, index: 0, sentence: 's', audio: new Uint8Array(3) });
    sender.send({ type: 'textChunk', turnId: 0, text: 'hi' });
    expect(sent.map((f) => decodeServerFrame(f, 'legacy'))).toEqual([{ ok: true, value: { type: 'textChunk', turnId: 0, text: 'hi' } }]);
  });

  it('redacts error messages', () => {
    const { socket, sent } = stubSocket();
    const sender = createFrameSender(socket, 'v1', { maxBufferedBytes: 1000, redact: (t) => t.replace('KEY', '[redacted]'), onOverflow: () => undefined });
    sender.send({ type: 'error', turnId: 1, error: { code: ErrorCode.UpstreamAuth, message: 'bad KEY', retryable: false } });
    const decoded = decodeServerFrame(sent[0] ?? new Uint8Array(), 'v1');
    expect(decoded.ok && decoded.value.type === 'error' && decoded.value.error.message).toBe('bad [redacted]');
  });

  it('closes a slow reader with 4408 once the buffer passes the cap, and sends nothing more', () => {
    const { ws, socket, sent, closes } = stubSocket();
    let overflows = 0;
    const sender = createFrameSender(socket, 'v1', { maxBufferedBytes: 100, redact: (t) => t, onOverflow: () => overflows++ });
    sender.send({ type: 'textChunk', turnId: 1, text: 'a' });
    ws.bufferedAmount = 101;
    sender.send({ type: 'textChunk', turnId: 1, text: 'b' });
    sender.send({ type: 'textChunk', turnId: 1, text: 'c' });
    // 'b' was held (the socket is behind) and counted against the cap; nothing followed 'a'.
    expect(sent).toHaveLength(1);
    expect(closes).toEqual([[CloseCode.SlowConsumer, 'slow consumer: send buffer full']]);
    expect(overflows).toBe(1);
  });

  describe('a client that is behind', () => {
    afterEach(() => {
      vi.useRealTimers();
    });
    const decodeAll = (sent: Uint8Array[], dialect: 'v1' | 'legacy' = 'v1') =>
      sent.map((f) => {
        const decoded = decodeServerFrame(f, dialect);
        return decoded.ok ? decoded.value : decoded.error.message;
      });
    const options = { maxBufferedBytes: 1024 * 1024, redact: (t: string) => t, onOverflow: () => undefined };

    it('gets one frame per delta while it keeps up', () => {
      const { socket, sent } = stubSocket();
      const sender = createFrameSender(socket, 'v1', options);
      for (const text of ['a', 'b', 'c']) sender.send({ type: 'textChunk', turnId: 1, text });
      expect(decodeAll(sent)).toEqual(['a', 'b', 'c'].map((text) => ({ type: 'textChunk', turnId: 1, text })));
    });

    it('gets the deltas written while it was behind as one TextChunk, in order, once the buffer drains', () => {
      vi.useFakeTimers();
      const { ws, socket, sent } = stubSocket();
      const sender = createFrameSender(socket, 'v1', options);
      sender.send({ type: 'textChunk', turnId: 7, text: 'Hello' });
      ws.bufferedAmount = COALESCE_ABOVE_BYTES + 1;
      for (const text of [', ', 'wörld', ' ', '👋']) sender.send({ type: 'textChunk', turnId: 7, text });
      vi.advanceTimersByTime(50);
      expect(sent).toHaveLength(1);
      ws.bufferedAmount = 0;
      vi.advanceTimersByTime(50);
      expect(decodeAll(sent)).toEqual([
        { type: 'textChunk', turnId: 7, text: 'Hello' },
        { type: 'textChunk', turnId: 7, text: ', wörld 👋' },
      ]);
    });

    it('sends held text at once when the next delta finds the buffer drained', () => {
      const { ws, socket, sent } = stubSocket();
      const sender = createFrameSender(socket, 'legacy', options);
      ws.bufferedAmount = COALESCE_ABOVE_BYTES + 1;
      sender.send({ type: 'textChunk', turnId: 0, text: 'a' });
      sender.send({ type: 'textChunk', turnId: 0, text: 'b' });
      ws.bufferedAmount = 0;
      sender.send({ type: 'textChunk', turnId: 0, text: 'c' });
      expect(decodeAll(sent, 'legacy')).toEqual([{ type: 'textChunk', turnId: 0, text: 'abc' }]);
    });

    it('never lets a later frame or another turn overtake held text', () => {
      const { ws, socket, sent } = stubSocket();
      const sender = createFrameSender(socket, 'v1', options);
      ws.bufferedAmount = COALESCE_ABOVE_BYTES + 1;
      sender.send({ type: 'textChunk', turnId: 1, text: 'one ' });
      sender.send({ type: 'textChunk', turnId: 1, text: 'two' });
      sender.send({ type: 'textChunk', turnId: 2, text: 'other' });
      sender.send({ type: 'textEnd', turnId: 1 });
      expect(decodeAll(sent)).toEqual([
        { type: 'textChunk', turnId: 1, text: 'one two' },
        { type: 'textChunk', turnId: 2, text: 'other' },
        { type: 'textEnd', turnId: 1 },
      ]);
    });

    it('counts held text against the send buffer cap', () => {
      const { ws, socket, sent, closes } = stubSocket();
      let overflows = 0;
      const sender = createFrameSender(socket, 'v1', { ...options, maxBufferedBytes: COALESCE_ABOVE_BYTES + 10, onOverflow: () => overflows++ });
      ws.bufferedAmount = COALESCE_ABOVE_BYTES + 1;
      sender.send({ type: 'textChunk', turnId: 1, text: '12345' });
      expect(overflows).toBe(0);
      sender.send({ type: 'textChunk', turnId: 1, text: '67890' });
      expect(overflows).toBe(1);
      expect(closes).toEqual([[CloseCode.SlowConsumer, 'slow consumer: send buffer full']]);
      ws.bufferedAmount = 0;
      sender.send({ type: 'textEnd', turnId: 1 });
      expect(sent).toHaveLength(0);
    });
  });
});
