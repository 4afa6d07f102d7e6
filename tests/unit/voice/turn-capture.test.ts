import { describe, expect, it } from 'vitest';
import { createTurnCapture } from '../../../lib/voice/turn-capture.ts';

class FakeRecorder {
  static all: FakeRecorder[] = [];
  state: 'inactive' | 'recording' = 'inactive';
  ondataavailable: ((event: { data: Blob }) => void) | null = null;
  onstop: (() => void) | null = null;
  constructor(readonly stream: unknown, readonly options: MediaRecorderOptions) {
    FakeRecorder.all.push(this);
  }
  start() {
    this.state = 'recording';
  }
  stop() {
    this.state = 'inactive';
    this.emit(9);
    this.onstop?.();
  }
  /** Like Chrome: the slice so far, at once (on a later task there). */
  requestData() {
    this.emit(8);
  }
  emit(byte: number) {
    this.ondataavailable?.({ data: new Blob([new Uint8Array([byte])]) });
  }
}

function setup() {
  FakeRecorder.all = [];
  const events: string[] = [];
  const delay = { delayTime: { value: 0 }, connect: () => undefined, disconnect: () => undefined };
  const node = { connect: () => undefined, disconnect: () => undefined };
  const capture = createTurnCapture({} as MediaStream, 300, {
    context: {
      createMediaStreamSource: () => node as unknown as MediaStreamAudioSourceNode,
      createDelay: () => delay as unknown as DelayNode,
      createMediaStreamDestination: () => ({ stream: 'delayed' }) as unknown as MediaStreamAudioDestinationNode,
    },
    MediaRecorderImpl: FakeRecorder as unknown as typeof MediaRecorder,
    sink: {
      chunk: ({ turnId, seq, base64 }) => void events.push(`chunk ${turnId} ${seq} ${base64}`),
      end: ({ turnId, chunks, pause }) => void events.push(`end ${turnId} ${chunks}${pause === undefined ? '' : ` pause ${pause}`}`),
    },
    log: () => undefined,
  });
  return { capture, events, delay };
}
const settle = () => new Promise((resolve) => setTimeout(resolve, 10));

describe('turn capture', () => {
  it('mark() flushes the recorder and resolves with the chunk count once those chunks went to the sink', async () => {
    const { capture, events } = setup();
    capture.start();
    const recorder = FakeRecorder.all[0]!;
    recorder.emit(1);
    capture.commit(42);
    recorder.emit(2);
    const mark = capture.mark().then((m) => {
      events.push(`mark ${JSON.stringify(m)}`);
      return m;
    });
    expect(await mark).toEqual({ turnId: 42, chunks: 3 });
    // The flushed slice (8) is the third chunk, sent before the mark resolved.
    expect(events).toEqual(['chunk 42 0 AQ==', 'chunk 42 1 Ag==', 'chunk 42 2 CA==', 'mark {"turnId":42,"chunks":3}']);
    recorder.emit(3);
    capture.end(3);
    await settle();
    expect(events.slice(-2)).toEqual(['chunk 42 4 CQ==', 'end 42 5 pause 3']);
  });

  it('mark() resolves undefined before the turn is committed, and when the take is dropped first', async () => {
    const { capture, events } = setup();
    expect(await capture.mark()).toBeUndefined();
    capture.start();
    expect(await capture.mark()).toBeUndefined();
    const recorder = FakeRecorder.all[0]!;
    capture.commit(5);
    // A recorder that answers requestData later: the take is discarded meanwhile.
    recorder.requestData = () => undefined;
    const pending = capture.mark();
    capture.discard();
    expect(await pending).toBeUndefined();
    await settle();
    expect(events.some((e) => e.startsWith('end'))).toBe(false);
  });

  it('records the delayed stream (pre-roll) and sends nothing before the turn is committed', async () => {
    const { capture, events, delay } = setup();
    capture.start();
    const recorder = FakeRecorder.all[0]!;
    expect(delay.delayTime.value).toBeCloseTo(0.3);
    expect(recorder.stream).toBe('delayed');
    recorder.emit(1);
    recorder.emit(2);
    await settle();
    expect(events).toEqual([]);
    capture.commit(42);
    recorder.emit(3);
    capture.end();
    await settle();
    expect(events).toEqual(['chunk 42 0 AQ==', 'chunk 42 1 Ag==', 'chunk 42 2 Aw==', 'chunk 42 3 CQ==', 'end 42 4']);
  });

  it('a false start uploads nothing at all', async () => {
    const { capture, events } = setup();
    capture.start();
    FakeRecorder.all[0]!.emit(1);
    capture.discard();
    await settle();
    expect(events).toEqual([]);
    expect(FakeRecorder.all[0]!.state).toBe('inactive');
  });

  it('a new start drops an uncommitted take', async () => {
    const { capture, events } = setup();
    capture.start();
    FakeRecorder.all[0]!.emit(1);
    capture.start();
    capture.commit(7);
    FakeRecorder.all[1]!.emit(5);
    capture.end();
    await settle();
    expect(events).toEqual(['chunk 7 0 BQ==', 'chunk 7 1 CQ==', 'end 7 2']);
  });
});
