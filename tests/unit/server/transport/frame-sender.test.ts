import type { WebSocket } from 'ws';
import { describe, expect, it } from 'vitest';
import { CloseCode, decodeServerFrame, ErrorCode } from '../../../../protocol/index.ts';
import { createFrameSender } from '../../../../server/transport/frame-sender.ts';

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
    expect(sent).toHaveLength(2);
    expect(closes).toEqual([[CloseCode.SlowConsumer, 'slow consumer: send buffer full']]);
    expect(overflows).toBe(1);
  });
});
