import { describe, expect, it } from 'vitest';
import type { DuckGateCommand } from '../../../lib/voice/duck-gate.ts';
import type { EchoVerdict } from '../../../lib/voice/echo-check.ts';
import type { HeardClip, SpeechPlayer } from '../../../lib/voice/speech-player.ts';
import type { TurnCapture } from '../../../lib/voice/turn-capture.ts';
import type { VadFrame } from '../../../lib/voice/vad.ts';
import { createVoiceEngine, ECHO_CHECK_ATTEMPTS } from '../../../lib/voice/voice-engine.ts';

const frame = (probability: number, levelDb = -40): VadFrame => ({ probability, levelDb, durationMs: 32 });

function setup(options: { echoCancellation?: boolean; chirpDb?: number | number[]; forceFullDuplex?: boolean; gate?: 'ok' | 'fails' } = {}) {
  const log: string[] = [];
  /** Chunks the fake recording holds at each mark; `holdMarks` keeps marks pending until `releaseMarks`. */
  let chunks = 2;
  let holdMarks = false;
  const heldMarks: Array<() => void> = [];
  let listener: ((f: VadFrame) => void) | undefined;
  const push = (f: VadFrame, ms: number) => {
    for (let t = 0; t < ms; t += 32) listener?.(f);
  };
  const track = { stopped: false, stop: () => (track.stopped = true), getSettings: () => ({ echoCancellation: options.echoCancellation ?? true }) };
  const stream = { getTracks: () => [track], getAudioTracks: () => [track] } as unknown as MediaStream;
  const capture: TurnCapture = {
    start: () => void log.push('capture start'),
    commit: (turnId) => void log.push(`capture commit ${turnId}`),
    mark: () => {
      log.push('capture mark');
      const mark = { turnId: 77, chunks: ++chunks };
      if (!holdMarks) return Promise.resolve(mark);
      return new Promise((resolve) => heldMarks.push(() => resolve(mark)));
    },
    end: (pause) => void log.push(pause === undefined ? 'capture end' : `capture end, pause ${pause}`),
    discard: () => void log.push('capture discard'),
    dispose: () => void log.push('capture dispose'),
  };
  let playing = false;
  const heard: HeardClip = { id: '5:1', fraction: 0.5 };
  const player = {
    enqueue: (clip) => void log.push(`enqueue ${clip.id}`),
    stop: () => {
      log.push('player stop');
      playing = false;
      return heard;
    },
    duck: (on) => void log.push(on ? 'duck' : 'unduck'),
    isPlaying: () => playing,
  } as SpeechPlayer;
  const verdicts: EchoVerdict[] = [];
  let vadDisposed = false;
  let chirps = 0;
  const engine = createVoiceEngine({
    openMic: async () => stream,
    createVad: async () => ({
      onFrame: (l) => {
        listener = l;
        return () => (listener = undefined);
      },
      dispose: async () => void (vadDisposed = true),
    }),
    createCapture: () => capture,
    player,
    ...(options.gate
      ? {
          createDuckGate: async (s: MediaStream) => {
            if (options.gate === 'fails') throw new Error('AudioWorklet refused');
            log.push(s === stream ? 'gate on the mic' : 'gate on another stream');
            return {
              command: (c: DuckGateCommand) => void log.push(`gate ${c.type} ${c.on}`),
              dispose: () => void log.push('gate dispose'),
            };
          },
        }
      : {}),
    playChirp: async () => {
      chirps += 1;
      const levels = options.chirpDb ?? -70;
      // One level per chirp played (the last repeats): lets a test make the first chirp come back louder.
      const db = typeof levels === 'number' ? levels : (levels[chirps - 1] ?? levels.at(-1) ?? -70);
      push(frame(0.01, db), 700);
    },
    wait: async (ms) => push(frame(0.01, -70), ms),
    ...(options.forceFullDuplex === undefined ? {} : { forceFullDuplex: options.forceFullDuplex }),
    sink: {
      beginTurn: async () => 77,
      chunk: () => undefined,
      end: () => undefined,
      pause: ({ turnId, chunks: count }) => void log.push(`pause ${turnId} ${count}`),
      interrupt: (h) => void log.push(`interrupt ${h?.id} ${h?.fraction}`),
      phase: (p) => void log.push(`phase ${p}`),
      level: () => undefined,
      echo: (v) => void verdicts.push(v),
      paused: (reason) => void log.push(`paused ${reason}`),
    },
  });
  const setPlaying = (value: boolean) => {
    playing = value;
    engine.playbackChanged(value);
  };
  /** A user turn: speech, then the silence that ends it. */
  const userTurn = () => {
    push(frame(0.95), 600);
    push(frame(0.02), 900);
  };
  /** A user turn, then the first sentence of its answer playing. */
  const answerPlaying = () => {
    userTurn();
    engine.speak({ id: '5:0', data: new ArrayBuffer(1) });
    setPlaying(true);
  };
  const marks = {
    hold: () => (holdMarks = true),
    release: () => heldMarks.splice(0).forEach((resolve) => resolve()),
  };
  return { engine, log, push, track, verdicts, setPlaying, userTurn, answerPlaying, marks, vadDisposed: () => vadDisposed, chirps: () => chirps };
}
const flush = () => new Promise((resolve) => setTimeout(resolve, 0));

describe('voice engine', () => {
  it('self-checks, then records a turn under the id the background gives, and ends it on silence', async () => {
    const t = setup();
    await t.engine.start();
    expect(t.verdicts[0]?.fullDuplex).toBe(true);
    t.push(frame(0.95), 600);
    await flush();
    t.push(frame(0.02), 900);
    expect(t.log).toEqual(['phase listening', 'capture start', 'phase capturing', 'phase userTurn', 'capture commit 77', 'capture end', 'phase thinking']);
    expect(t.engine.phase()).toBe('thinking');
  });

  it('flushes the recording once per pause, reports it, and names it at the end when no speech followed', async () => {
    const t = setup();
    await t.engine.start({ maxSpeculations: 3 });
    t.push(frame(0.95), 600);
    await flush();
    t.push(frame(0.02), 650);
    await flush();
    expect(t.log.slice(-2)).toEqual(['capture mark', 'pause 77 3']);
    t.push(frame(0.02), 650);
    expect(t.log.filter((line) => line === 'capture mark')).toHaveLength(1);
    expect(t.log.at(-2)).toBe('capture end, pause 3');
  });

  it('ends without a pause when speech resumed after the last one it may send', async () => {
    const t = setup();
    await t.engine.start({ maxSpeculations: 1 });
    t.push(frame(0.95), 600);
    await flush();
    t.push(frame(0.02), 650);
    await flush();
    t.push(frame(0.95), 300);
    t.push(frame(0.02), 650);
    await flush();
    t.push(frame(0.02), 650);
    await flush();
    expect(t.log.filter((line) => line.startsWith('pause'))).toEqual(['pause 77 3']);
    expect(t.log).toContain('capture end');
    expect(t.log.some((line) => line.startsWith('capture end, pause'))).toBe(false);
  });

  it('does not name a pause whose flush had not finished when the turn ended, nor report it late', async () => {
    const t = setup();
    await t.engine.start({ maxSpeculations: 3 });
    t.marks.hold();
    t.push(frame(0.95), 600);
    await flush();
    t.push(frame(0.02), 900);
    expect(t.log).toContain('capture end');
    t.marks.release();
    await flush();
    expect(t.log.filter((line) => line.startsWith('pause'))).toEqual([]);
  });

  it('barge-in: ducks, then stops playback and reports what was heard', async () => {
    const t = setup();
    await t.engine.start();
    t.answerPlaying();
    expect(t.engine.phase()).toBe('speaking');
    t.push(frame(0.95), 32);
    expect(t.log.at(-2)).toBe('duck');
    t.push(frame(0.95), 300);
    expect(t.log).toContain('player stop');
    expect(t.log).toContain('interrupt 5:1 0.5');
    expect(t.engine.phase()).toBe('userTurn');
  });

  it('after a barge-in, late sentences of the interrupted answer are not played and its end does not count for the next', async () => {
    const t = setup();
    await t.engine.start();
    t.answerPlaying();
    t.push(frame(0.95), 400);
    expect(t.engine.phase()).toBe('userTurn');
    const before = t.log.length;
    // Sent by the background before it learned of the barge-in.
    t.engine.speak({ id: '5:1', data: new ArrayBuffer(1) });
    t.engine.answerEnded();
    expect(t.log.slice(before).filter((line) => line.startsWith('enqueue'))).toEqual([]);
    // The new turn ends; its answer arrives, starts playing, and a gap between sentences must not end it.
    t.push(frame(0.02), 900);
    expect(t.engine.phase()).toBe('thinking');
    t.engine.speak({ id: '6:0', data: new ArrayBuffer(1) });
    expect(t.log.at(-1)).toBe('enqueue 6:0');
    t.setPlaying(true);
    t.setPlaying(false);
    expect(t.engine.phase()).toBe('speaking');
  });

  it('without echo cancellation falls back to half-duplex: speech over the answer is ignored', async () => {
    const t = setup({ echoCancellation: false });
    await t.engine.start();
    expect(t.verdicts[0]).toMatchObject({ fullDuplex: false, reason: 'noEchoCancellation' });
    t.userTurn();
    t.setPlaying(true);
    const before = t.log.length;
    t.push(frame(0.95), 2000);
    expect(t.log.slice(before)).toEqual([]);
    t.engine.answerEnded();
    t.setPlaying(false);
    expect(t.engine.phase()).toBe('listening');
  });

  it('forced full duplex (E2E builds only) listens over the answer even without echo cancellation', async () => {
    const t = setup({ echoCancellation: false, forceFullDuplex: true });
    await t.engine.start();
    expect(t.verdicts[0]).toMatchObject({ fullDuplex: false, reason: 'noEchoCancellation' });
    t.answerPlaying();
    t.push(frame(0.95), 400);
    expect(t.log).toContain('interrupt 5:1 0.5');
  });

  it('a chirp that comes back through the mic means half-duplex too', async () => {
    const t = setup({ chirpDb: -35 });
    await t.engine.start();
    expect(t.verdicts[0]).toMatchObject({ fullDuplex: false, reason: 'echoHeard' });
    // Heard every time: the chirp was measured ECHO_CHECK_ATTEMPTS times, and the last decided.
    expect(t.chirps()).toBe(ECHO_CHECK_ATTEMPTS);
    expect(t.verdicts).toHaveLength(1);
  });

  it('a first chirp heard while the canceller adapts is measured again, and the second decides', async () => {
    const t = setup({ chirpDb: [-50, -75] });
    await t.engine.start();
    expect(t.chirps()).toBe(2);
    expect(t.verdicts).toEqual([expect.objectContaining({ fullDuplex: true, reason: 'cancelled' })]);
  });

  it('measures a third time when the canceller is still adapting at the second chirp', async () => {
    const t = setup({ chirpDb: [-45, -50, -80] });
    await t.engine.start();
    expect(t.chirps()).toBe(3);
    expect(t.verdicts).toEqual([expect.objectContaining({ fullDuplex: true, reason: 'cancelled' })]);
  });

  it('plays one chirp when the first is cancelled, and none twice without cancellation', async () => {
    const t = setup();
    await t.engine.start();
    expect(t.chirps()).toBe(1);
    const u = setup({ echoCancellation: false, chirpDb: -35 });
    await u.engine.start();
    expect(u.chirps()).toBe(1);
    expect(u.verdicts[0]).toMatchObject({ reason: 'noEchoCancellation' });
  });

  it('releases the microphone when the conversation ends and when it pauses for silence', async () => {
    const t = setup();
    await t.engine.start();
    t.push(frame(0.01), 12_100);
    expect(t.log).toContain('paused noSpeech');
    expect(t.track.stopped).toBe(true);
    expect(t.vadDisposed()).toBe(true);
    const u = setup();
    await u.engine.start();
    u.engine.stop();
    expect(u.track.stopped).toBe(true);
    expect(u.engine.phase()).toBe('off');
  });

  describe('with the audio-thread duck gate', () => {
    it('arms it only while an answer plays in full duplex, and routes the duck through it, not the player', async () => {
      const t = setup({ gate: 'ok' });
      await t.engine.start();
      expect(t.log[0]).toBe('gate on the mic');
      expect(t.log).toContain('gate arm false');
      expect(t.log).not.toContain('gate arm true');
      t.answerPlaying();
      expect(t.log.at(-2)).toBe('gate arm true');
      expect(t.log.at(-1)).toBe('phase speaking');
      t.push(frame(0.95), 32);
      expect(t.log).toContain('gate hold true');
      t.push(frame(0.95), 300);
      const stop = t.log.indexOf('player stop');
      expect(stop).toBeGreaterThan(-1);
      // Stopped, released, disarmed, and the player's own duck never used (one duck, not two multiplied).
      expect(t.log.slice(stop)).toEqual(expect.arrayContaining(['gate hold false', 'gate arm false']));
      expect(t.log.filter((line) => line === 'duck' || line === 'unduck')).toEqual([]);
    });

    it('a false start releases it', async () => {
      const t = setup({ gate: 'ok' });
      await t.engine.start();
      t.answerPlaying();
      t.push(frame(0.95), 32);
      t.push(frame(0.02), 400);
      expect(t.log.filter((line) => line.startsWith('gate hold'))).toEqual(['gate hold true', 'gate hold false']);
      expect(t.engine.phase()).toBe('speaking');
    });

    it('stays disarmed in half-duplex', async () => {
      const t = setup({ gate: 'ok', echoCancellation: false });
      await t.engine.start();
      t.userTurn();
      t.setPlaying(true);
      expect(t.engine.phase()).toBe('speaking');
      expect(t.log).not.toContain('gate arm true');
    });

    it('is disposed with the microphone', async () => {
      const t = setup({ gate: 'ok' });
      await t.engine.start();
      t.engine.stop();
      expect(t.log).toContain('gate dispose');
      expect(t.track.stopped).toBe(true);
    });

    it('when the worklet cannot load, the player ducks as before', async () => {
      const t = setup({ gate: 'fails' });
      await t.engine.start();
      t.answerPlaying();
      t.push(frame(0.95), 32);
      expect(t.log.at(-2)).toBe('duck');
      expect(t.log.some((line) => line.startsWith('gate'))).toBe(false);
    });
  });
});
