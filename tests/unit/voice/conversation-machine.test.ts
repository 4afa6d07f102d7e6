import { describe, expect, it } from 'vitest';
import { createConversationMachine, DEFAULT_TUNING, speculationDelayMs, type ConversationEffect, type ConversationMachine, type ConversationTuning } from '../../../lib/voice/conversation-machine.ts';

const FRAME_MS = 32;

/** Feeds `ms` of frames at one probability; returns every effect (phase changes included). */
function feed(machine: ConversationMachine, probability: number, ms: number, levelDb = -30): ConversationEffect[] {
  const out: ConversationEffect[] = [];
  for (let t = 0; t < ms; t += FRAME_MS) out.push(...machine.handle({ type: 'frame', frame: { probability, levelDb, durationMs: FRAME_MS } }));
  return out;
}
const types = (effects: ConversationEffect[]) => effects.filter((e) => e.type !== 'phase').map((e) => e.type);
const SPEECH = 0.95;
const QUIET = 0.05;

function started(options: { fullDuplex?: boolean; silenceMs?: number } = {}): ConversationMachine {
  const machine = createConversationMachine(options.silenceMs === undefined ? {} : { silenceMs: options.silenceMs });
  machine.handle({ type: 'start', fullDuplex: options.fullDuplex ?? true });
  return machine;
}

describe('conversation machine: user turns', () => {
  it('turns two questions separated by silence into exactly two turns', () => {
    const m = started();
    const effects = [...feed(m, QUIET, 500), ...feed(m, SPEECH, 1200), ...feed(m, QUIET, 900)];
    expect(types(effects)).toEqual(['startCapture', 'commitTurn', 'endTurn']);
    expect(m.phase).toBe('thinking');
    m.handle({ type: 'answerPlaying' });
    m.handle({ type: 'answerDone' });
    const second = [...feed(m, SPEECH, 800), ...feed(m, QUIET, 900)];
    expect(types(second)).toEqual(['startCapture', 'commitTurn', 'endTurn']);
  });

  it('keeps one turn across a pause shorter than the configured silence, ends it after the silence', () => {
    const m = started({ silenceMs: 1500 });
    const effects = [...feed(m, SPEECH, 600), ...feed(m, QUIET, 1200), ...feed(m, SPEECH, 600)];
    expect(types(effects)).toEqual(['startCapture', 'commitTurn']);
    const end = feed(m, QUIET, 1400);
    expect(types(end)).toEqual([]);
    expect(types(feed(m, QUIET, 200))).toEqual(['endTurn']);
  });

  it('keeps 300 ms of pre-roll', () => {
    const m = started();
    expect(feed(m, SPEECH, 32)).toContainEqual({ type: 'startCapture', preRollMs: 300 });
  });

  it('never uploads a click or a cough shorter than the minimum speech', () => {
    const m = started();
    const effects = [...feed(m, SPEECH, 160), ...feed(m, QUIET, 2000)];
    expect(types(effects)).toEqual(['startCapture', 'discardCapture']);
    expect(m.phase).toBe('listening');
  });

  it('ignores probabilities between the thresholds when nothing was said (hysteresis)', () => {
    const m = started();
    expect(types(feed(m, 0.5, 3000))).toEqual([]);
  });

  it('caps a turn at 60 s', () => {
    const m = started();
    const effects = feed(m, SPEECH, 61_000);
    expect(effects).toContainEqual({ type: 'endTurn', reason: 'maxLength' });
  });

  it('pauses after about 12 s without speech, and resumes', () => {
    const m = started();
    expect(types(feed(m, QUIET, 11_900))).toEqual([]);
    expect(types(feed(m, QUIET, 200))).toEqual(['pause']);
    expect(m.phase).toBe('paused');
    expect(types(feed(m, SPEECH, 1000))).toEqual([]);
    m.handle({ type: 'resume' });
    expect(types(feed(m, SPEECH, 500))).toEqual(['startCapture', 'commitTurn']);
  });
});

describe('conversation machine: barge-in', () => {
  function speaking(fullDuplex = true): ConversationMachine {
    const m = started({ fullDuplex });
    feed(m, SPEECH, 600);
    feed(m, QUIET, 900);
    m.handle({ type: 'answerPlaying' });
    expect(m.phase).toBe('speaking');
    return m;
  }

  it('ducks on the first speech frame, then stops the answer and records once speech is confirmed', () => {
    const m = speaking();
    const onset = feed(m, SPEECH, 32);
    expect(types(onset)).toEqual(['duck', 'startCapture']);
    const confirmed = feed(m, SPEECH, 300);
    expect(types(confirmed)).toEqual(['interruptAnswer', 'commitTurn']);
    expect(m.phase).toBe('userTurn');
    expect(types(feed(m, QUIET, 900))).toEqual(['endTurn']);
  });

  it('ducks early on a frame that may be speech (lower probability, level well above the floor), and restores the volume when nothing follows', () => {
    const m = speaking();
    // The answer's echo-cancelled residual: the floor.
    expect(types(feed(m, QUIET, 320, -65))).toEqual([]);
    expect(types(feed(m, 0.35, 32, -35))).toEqual(['duck']);
    expect(m.phase).toBe('speaking');
    expect(types(feed(m, QUIET, 224, -65))).toEqual([]);
    expect(types(feed(m, QUIET, 32, -65))).toEqual(['unduck']);
    expect(types(feed(m, QUIET, 500, -65))).toEqual([]);
  });

  it('no early duck on the floor\'s level, nor on a loud frame the model does not take for speech', () => {
    const m = speaking();
    feed(m, QUIET, 320, -65);
    expect(types(feed(m, 0.5, 96, -62))).toEqual([]);
    expect(types(feed(m, 0.1, 96, -20))).toEqual([]);
  });

  it('an early duck followed by the onset is one duck, and confirmed speech interrupts as before', () => {
    const m = speaking();
    feed(m, QUIET, 320, -65);
    expect(types(feed(m, 0.35, 32, -35))).toEqual(['duck']);
    expect(types(feed(m, SPEECH, 32, -30))).toEqual(['startCapture']);
    expect(types(feed(m, SPEECH, 256, -30))).toEqual(['interruptAnswer', 'commitTurn']);
  });

  it('restores the volume when the answer ends while ducked, so the next answer is not played ducked', () => {
    const m = speaking();
    feed(m, QUIET, 320, -65);
    feed(m, 0.35, 32, -35);
    expect(types(m.handle({ type: 'answerDone' }))).toEqual(['unduck']);
    const candidate = speaking();
    feed(candidate, SPEECH, 64);
    expect(types(candidate.handle({ type: 'answerDone' }))).toEqual(['unduck']);
    expect(candidate.phase).toBe('capturing');
  });

  it('a false start resumes playback and uploads nothing', () => {
    const m = speaking();
    const effects = [...feed(m, SPEECH, 96), ...feed(m, QUIET, 400)];
    expect(types(effects)).toEqual(['duck', 'startCapture', 'discardCapture', 'unduck']);
    expect(m.phase).toBe('speaking');
  });

  it('half-duplex: speech while the answer plays is never a turn', () => {
    const m = speaking(false);
    expect(types(feed(m, SPEECH, 3000))).toEqual([]);
    m.handle({ type: 'answerDone' });
    // The first 300 ms after playback are ignored too (the room still rings).
    expect(types(feed(m, SPEECH, 256))).toEqual([]);
    expect(types(feed(m, QUIET, 100))).toEqual([]);
    expect(types(feed(m, SPEECH, 300))).toEqual(['startCapture', 'commitTurn']);
  });

  it('switching to half-duplex mid-candidate drops the candidate and restores the volume', () => {
    const m = speaking();
    feed(m, SPEECH, 64);
    expect(types(m.handle({ type: 'halfDuplex' }))).toEqual(['discardCapture', 'unduck']);
    expect(types(feed(m, SPEECH, 1000))).toEqual([]);
  });

  it('end of conversation discards a capture in progress', () => {
    const m = started();
    feed(m, SPEECH, 500);
    expect(m.handle({ type: 'stop' })).toEqual([{ type: 'discardCapture' }, { type: 'phase', phase: 'off' }]);
    expect(types(feed(m, SPEECH, 500))).toEqual([]);
  });
});

describe('conversation machine: speculative transcription', () => {
  function speculating(tuning: Partial<ConversationTuning> = {}): ConversationMachine {
    const machine = createConversationMachine({ maxSpeculations: 3, ...tuning });
    machine.handle({ type: 'start', fullDuplex: true });
    return machine;
  }
  const endOf = (effects: ConversationEffect[]) => effects.find((e) => e.type === 'endTurn');

  it('announces one pause 600 ms into the silence (the 500 ms delay line + margin), and the end keeps it', () => {
    const m = speculating();
    expect(speculationDelayMs({ ...DEFAULT_TUNING, maxSpeculations: 3 })).toBe(600);
    feed(m, SPEECH, 640);
    // 18 frames = 576 ms: not yet; the 19th (608 ms) crosses 600 ms.
    expect(types(feed(m, QUIET, 18 * FRAME_MS))).toEqual([]);
    expect(types(feed(m, QUIET, FRAME_MS))).toEqual(['speechPaused']);
    const rest = feed(m, QUIET, 400);
    expect(types(rest)).toEqual(['endTurn']);
    expect(endOf(rest)).toEqual({ type: 'endTurn', reason: 'silence', keepPause: true });
  });

  it('voids the pause when speech resumes, and announces the next stretch of silence once', () => {
    const m = speculating();
    feed(m, SPEECH, 640);
    expect(types(feed(m, QUIET, 650))).toEqual(['speechPaused']);
    expect(types(feed(m, SPEECH, 320))).toEqual([]);
    // Speech after the second pause: the end names none.
    expect(types(feed(m, QUIET, 650))).toEqual(['speechPaused']);
    feed(m, SPEECH, 96);
    const end = feed(m, QUIET, 900);
    expect(types(end)).toEqual(['speechPaused', 'endTurn']);
    expect(endOf(end)).toEqual({ type: 'endTurn', reason: 'silence', keepPause: true });
  });

  it('ends without a pause when speech came after the last one the cap allowed', () => {
    const m = speculating({ maxSpeculations: 1 });
    feed(m, SPEECH, 640);
    expect(types(feed(m, QUIET, 650))).toEqual(['speechPaused']);
    feed(m, SPEECH, 320);
    const end = feed(m, QUIET, 900);
    expect(types(end)).toEqual(['endTurn']);
    expect(endOf(end)).toEqual({ type: 'endTurn', reason: 'silence' });
  });

  it('waits for the recording behind the delay line: the pause follows captureDelayMs, not the bare pre-roll', () => {
    const t = { ...DEFAULT_TUNING, maxSpeculations: 3 };
    // The delay line is the silence less 300 ms within [preRollMs, 1000]; the pause comes 100 ms after it.
    expect(speculationDelayMs({ ...t, silenceMs: 600 })).toBe(400);
    expect(speculationDelayMs({ ...t, silenceMs: 1500 })).toBe(1100);
    expect(speculationDelayMs({ ...t, silenceMs: 3000 })).toBe(1100);
  });

  it('starts counting again with the next turn', () => {
    const m = speculating({ maxSpeculations: 1 });
    feed(m, SPEECH, 640);
    expect(types(feed(m, QUIET, 900))).toEqual(['speechPaused', 'endTurn']);
    m.handle({ type: 'answerPlaying' });
    m.handle({ type: 'answerDone' });
    feed(m, SPEECH, 640);
    expect(types(feed(m, QUIET, 900))).toEqual(['speechPaused', 'endTurn']);
  });

  it('never announces a pause with the relay saying 0, or when the silence leaves under 150 ms to gain', () => {
    for (const tuning of [{ maxSpeculations: 0 }, { silenceMs: 500 }, { silenceMs: 300 }]) {
      const m = speculating(tuning);
      feed(m, SPEECH, 640);
      const end = feed(m, QUIET, 1000);
      expect(types(end)).toEqual(['endTurn']);
      expect(endOf(end)).toEqual({ type: 'endTurn', reason: 'silence' });
    }
    expect(speculationDelayMs({ ...DEFAULT_TUNING, maxSpeculations: 3, silenceMs: 550 })).toBe(400);
    expect(speculationDelayMs({ ...DEFAULT_TUNING, maxSpeculations: 3, silenceMs: 549 })).toBeUndefined();
  });

  it('does not announce the silence of a false start or of a barge-in candidate', () => {
    const m = speculating();
    expect(types([...feed(m, SPEECH, 160), ...feed(m, QUIET, 1000)])).toEqual(['startCapture', 'discardCapture']);
  });
});
