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

/** Lets the current tick end, as the relay's event loop does after one upstream read. */
const endOfTick = () => new Promise<void>((resolve) => process.nextTick(resolve));

describe('frame sender', () => {
  it('sends legacy clients only legacy frames', async () => {
    const { socket, sent } = stubSocket();
    const sender = createFrameSender(socket, 'legacy', { maxBufferedBytes: 1000, redact: (t) => t, onOverflow: () => undefined });
    sender.send({ type: 'transcript', turnId: 0, text: 'hi' });
    sender.send({ type: 'speechAudio', turnId: 0, index: 0, sentence: 's', audio: new Uint8Array(3) });
    sender.send({ type: 'textChunk', turnId: 0, text: 'hi' });
    await endOfTick();
    expect(sent.map((f) => decodeServerFrame(f, 'legacy'))).toEqual([{ ok: true, value: { type: 'textChunk', turnId: 0, text: 'hi' } }]);
  });

  it('redacts error messages', () => {
    const { socket, sent } = stubSocket();
    const sender = createFrameSender(socket, 'v1', { maxBufferedBytes: 1000, redact: (t) => t.replace('KEY', '[redacted]'), onOverflow: () => undefined });
    sender.send({ type: 'error', turnId: 1, error: { code: ErrorCode.UpstreamAuth, message: 'bad KEY', retryable: false } });
    const decoded = decodeServerFrame(sent[0] ?? new Uint8Array(), 'v1');
    expect(decoded.ok && decoded.value.type === 'error' && decoded.value.error.message).toBe('bad [redacted]');
  });

  it('closes a slow reader with 4408 once the buffer passes the cap, and sends nothing more', async () => {
    const { ws, socket, sent, closes } = stubSocket();
    let overflows = 0;
    const sender = createFrameSender(socket, 'v1', { maxBufferedBytes: 100, redact: (t) => t, onOverflow: () => overflows++ });
    sender.send({ type: 'textChunk', turnId: 1, text: 'a' });
    await endOfTick();
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

    it('gets one frame per delta when the deltas come in separate ticks', async () => {
      const { socket, sent } = stubSocket();
      const sender = createFrameSender(socket, 'v1', options);
      for (const text of ['a', 'b', 'c']) {
        sender.send({ type: 'textChunk', turnId: 1, text });
        await endOfTick();
      }
      expect(decodeAll(sent)).toEqual(['a', 'b', 'c'].map((text) => ({ type: 'textChunk', turnId: 1, text })));
    });

    it('gets the deltas written in one tick (one upstream read) as one TextChunk when the tick ends', async () => {
      const { socket, sent } = stubSocket();
      const sender = createFrameSender(socket, 'legacy', options);
      for (const text of ['Hel', 'lo', ' wörld']) sender.send({ type: 'textChunk', turnId: 0, text });
      expect(sent).toHaveLength(0);
      await endOfTick();
      expect(decodeAll(sent, 'legacy')).toEqual([{ type: 'textChunk', turnId: 0, text: 'Hello wörld' }]);
      sender.send({ type: 'textChunk', turnId: 0, text: '!' });
      await endOfTick();
      expect(decodeAll(sent, 'legacy')).toHaveLength(2);
    });

    it('keeps text of a tick after which the socket is behind until the buffer drains', async () => {
      vi.useFakeTimers();
      const { ws, socket, sent } = stubSocket();
      const sender = createFrameSender(socket, 'v1', options);
      sender.send({ type: 'textChunk', turnId: 2, text: 'late' });
      ws.bufferedAmount = COALESCE_ABOVE_BYTES + 1;
      await endOfTick();
      vi.advanceTimersByTime(50);
      expect(sent).toHaveLength(0);
      ws.bufferedAmount = 0;
      vi.advanceTimersByTime(10);
      expect(decodeAll(sent)).toEqual([{ type: 'textChunk', turnId: 2, text: 'late' }]);
    });

    it('sends text written in the same tick before any other frame that follows it', () => {
      const { socket, sent } = stubSocket();
      const sender = createFrameSender(socket, 'v1', options);
      sender.send({ type: 'textChunk', turnId: 3, text: 'Yes' });
      sender.send({ type: 'textChunk', turnId: 3, text: '.' });
      sender.send({ type: 'textEnd', turnId: 3 });
      expect(decodeAll(sent)).toEqual([
        { type: 'textChunk', turnId: 3, text: 'Yes.' },
        { type: 'textEnd', turnId: 3 },
      ]);
    });

    it('gets the deltas written while it was behind as one TextChunk, in order, once the buffer drains', async () => {
      vi.useFakeTimers();
      const { ws, socket, sent } = stubSocket();
      const sender = createFrameSender(socket, 'v1', options);
      sender.send({ type: 'textChunk', turnId: 7, text: 'Hello' });
      await endOfTick();
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

    it('sends held text when the tick ends if the next delta finds the buffer drained', async () => {
      const { ws, socket, sent } = stubSocket();
      const sender = createFrameSender(socket, 'legacy', options);
      ws.bufferedAmount = COALESCE_ABOVE_BYTES + 1;
      sender.send({ type: 'textChunk', turnId: 0, text: 'a' });
      sender.send({ type: 'textChunk', turnId: 0, text: 'b' });
      ws.bufferedAmount = 0;
      sender.send({ type: 'textChunk', turnId: 0, text: 'c' });
      await endOfTick();
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
