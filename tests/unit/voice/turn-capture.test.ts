import { describe, expect, it } from 'vitest';
import { DEFAULT_TUNING } from '../../../lib/voice/conversation-machine.ts';
import { createTurnCapture, MAX_PRE_ROLL_MS, REJOIN_MS, TRAIL_MS, type TurnCaptureTiming } from '../../../lib/voice/turn-capture.ts';

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

function setup(timing: TurnCaptureTiming = { preRollMs: 300, silenceMs: 300 }) {
  FakeRecorder.all = [];
  const events: string[] = [];
  const timers: { run: () => void; ms: number; cleared: boolean }[] = [];
  const delay = { delayTime: { value: 0 }, connect: () => undefined, disconnect: () => undefined };
  const node = { connect: () => undefined, disconnect: () => undefined };
  const capture = createTurnCapture({} as MediaStream, timing, {
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
    setTimer: (run, ms) => timers.push({ run, ms, cleared: false }) - 1,
    clearTimer: (i) => {
      const timer = timers[i as number];
      if (timer) timer.cleared = true;
    },
  });
  const fire = () => {
    for (const timer of timers.splice(0)) if (!timer.cleared) timer.run();
  };
  return { capture, events, delay, timers, fire };
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
    const { capture, events, timers, fire } = setup();
    capture.start();
    FakeRecorder.all[0]!.emit(1);
    capture.discard();
    expect(timers.map((t) => t.ms)).toEqual([REJOIN_MS]);
    FakeRecorder.all[0]!.emit(2);
    fire();
    await settle();
    expect(events).toEqual([]);
    expect(FakeRecorder.all[0]!.state).toBe('inactive');
  });

  it('speech resuming soon after a false start carries on the same take: its first word is not lost', async () => {
    // "Wait, stop there please." over an answer: "Wait," was given up as a false start, "stop" was a new onset.
    const { capture, events, timers } = setup();
    capture.start();
    const recorder = FakeRecorder.all[0]!;
    recorder.emit(1);
    capture.discard();
    recorder.emit(2);
    capture.start();
    expect(FakeRecorder.all, 'no new recorder').toHaveLength(1);
    expect(timers[0]?.cleared).toBe(true);
    capture.commit(8);
    recorder.emit(3);
    capture.end();
    await settle();
    expect(events).toEqual(['chunk 8 0 AQ==', 'chunk 8 1 Ag==', 'chunk 8 2 Aw==', 'chunk 8 3 CQ==', 'end 8 4']);
  });

  it('after REJOIN_MS a start records afresh, and dispose drops a false start at once', async () => {
    const { capture, events, fire } = setup();
    capture.start();
    FakeRecorder.all[0]!.emit(1);
    capture.discard();
    fire();
    capture.start();
    expect(FakeRecorder.all).toHaveLength(2);
    FakeRecorder.all[1]!.emit(4);
    capture.discard();
    capture.dispose();
    await settle();
    expect(events).toEqual([]);
    expect(FakeRecorder.all.map((r) => r.state)).toEqual(['inactive', 'inactive']);
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

  it('keeps what the end-of-turn silence allows before the onset: a detector 200 ms late still leaves 300 ms at the default 800 ms', () => {
    // The onset comes late under load (docs/conversation-mode.md, "Capture start"); with the issue's
    // 300 ms alone, any lateness ate into the pre-roll and the first syllables.
    const lateByMs = 200;
    const { capture, delay } = setup({ preRollMs: DEFAULT_TUNING.preRollMs, silenceMs: DEFAULT_TUNING.silenceMs });
    capture.start();
    expect(delay.delayTime.value * 1000 - lateByMs, 'audio kept from before the speech began (ms)').toBeGreaterThanOrEqual(DEFAULT_TUNING.preRollMs);
  });

  it('leaves TRAIL_MS of the silence after the speech, never keeps less than the pre-roll, nor more than MAX_PRE_ROLL_MS', () => {
    expect(setup({ preRollMs: 300, silenceMs: 800 }).delay.delayTime.value * 1000).toBeCloseTo(800 - TRAIL_MS);
    expect(setup({ preRollMs: 300, silenceMs: 300 }).delay.delayTime.value).toBeCloseTo(0.3);
    expect(setup({ preRollMs: 300, silenceMs: 3000 }).delay.delayTime.value).toBeCloseTo(MAX_PRE_ROLL_MS / 1000);
    expect(setup({ preRollMs: 1500, silenceMs: 300 }).delay.delayTime.value).toBeCloseTo(1.5);
  });

  it('a pre-roll within the silence stops the recorder at the end of the turn: no latency added', async () => {
    const { capture, events, timers } = setup({ preRollMs: 300, silenceMs: 800 });
    capture.start();
    capture.commit(3);
    capture.end();
    await settle();
    expect(timers).toEqual([]);
    expect(FakeRecorder.all[0]!.state).toBe('inactive');
    expect(events).toEqual(['chunk 3 0 CQ==', 'end 3 1']);
  });

  it('a pre-roll longer than the silence records that much longer, so the end of the speech is not cut', async () => {
    const { capture, events, timers, fire } = setup({ preRollMs: 700, silenceMs: 300 });
    capture.start();
    capture.commit(4);
    capture.end();
    expect(timers.map((t) => t.ms)).toEqual([400]);
    const recorder = FakeRecorder.all[0]!;
    expect(recorder.state, 'still recording the delayed end of the speech').toBe('recording');
    // The user speaks again meanwhile: a new take on its own recorder, the ended one carries on.
    capture.start();
    recorder.emit(2);
    fire();
    await settle();
    expect(recorder.state).toBe('inactive');
    expect(FakeRecorder.all[1]!.state).toBe('recording');
    expect(events).toEqual(['chunk 4 0 Ag==', 'chunk 4 1 CQ==', 'end 4 2']);
  });

  it('dispose ends a turn still recording its tail instead of losing it', async () => {
    const { capture, events, timers } = setup({ preRollMs: 700, silenceMs: 300 });
    capture.start();
    capture.commit(5);
    capture.end();
    capture.dispose();
    await settle();
    expect(timers[0]?.cleared).toBe(true);
    expect(events).toEqual(['chunk 5 0 CQ==', 'end 5 1']);
  });
});
