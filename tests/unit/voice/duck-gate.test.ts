// The audio-thread duck gate (lib/voice/duck-gate.ts) on PCM at 48 kHz, quantum by quantum as the
// worklet runs it: espeak-ng speech made at test time, steady noise, and clicks.
import { describe, expect, it } from 'vitest';
import { createDuckGate, DUCK_GATE_TUNING, type DuckGate } from '../../../lib/voice/duck-gate.ts';
import { speakSamples } from '../../helpers/spoken-audio.ts';

const RATE = 48_000;
const QUANTUM = 128;

/** espeak-ng → 48 kHz mono float samples, scaled so the loudest sample sits at `peakDb`. */
function speak(text: string, peakDb = -12): Float32Array {
  const samples = speakSamples(text, RATE, 160);
  const peak = samples.reduce((max, sample) => Math.max(max, Math.abs(sample)), 0);
  const scale = 10 ** (peakDb / 20) / peak;
  return samples.map((s) => s * scale);
}
/** White noise at `db` dBFS RMS. */
function noise(ms: number, db: number, seed = 7): Float32Array {
  const out = new Float32Array(Math.round((RATE * ms) / 1000));
  const amplitude = 10 ** (db / 20) * Math.sqrt(3);
  let s = seed;
  for (let i = 0; i < out.length; i++) out[i] = (((s = (s * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff) * 2 - 1) * amplitude;
  return out;
}
/** Adds `part` into `base` from sample `at`. */
function mix(base: Float32Array, part: Float32Array, at: number): Float32Array {
  const out = base.slice();
  for (let i = 0; i < part.length && at + i < out.length; i++) out[at + i] = (out[at + i] ?? 0) + (part[i] ?? 0);
  return out;
}
/** A click: `ms` of a full-scale-ish burst (a tap on the laptop, a mouse button). */
const click = (ms: number) => noise(ms, -6, 3);

/** Runs the gate quantum by quantum; returns the sample index of the first quantum it ducked in, and the output. */
function run(gate: DuckGate, audio: Float32Array, armAt = 0): { duckedAt: number | undefined; out: Float32Array; duckedQuanta: number } {
  const out = new Float32Array(audio.length);
  let duckedAt: number | undefined;
  let duckedQuanta = 0;
  for (let i = 0; i + QUANTUM <= audio.length; i += QUANTUM) {
    if (i === armAt) gate.command({ type: 'arm', on: true });
    gate.process(audio.subarray(i, i + QUANTUM), out.subarray(i, i + QUANTUM));
    if (gate.ducked) {
      duckedAt ??= i;
      duckedQuanta++;
    }
  }
  return { duckedAt, out, duckedQuanta };
}
const firstAbove = (audio: Float32Array, from: number, level: number) => audio.findIndex((s, i) => i >= from && Math.abs(s) >= level);
const ms = (samples: number) => (samples * 1000) / RATE;

describe('duck gate', () => {
  const room = () => noise(3000, -55);

  it('ducks within a few milliseconds of speech over the room noise', () => {
    for (const phrase of ['What is the weather like tomorrow', 'Stop', 'Hello there']) {
      const at = RATE; // one second of room first, so the floor has settled
      const audio = mix(room(), speak(phrase), at);
      const onset = firstAbove(audio, at, 10 ** (-35 / 20));
      const { duckedAt } = run(createDuckGate(RATE), audio);
      expect(duckedAt, phrase).toBeDefined();
      // Never before the voice, and within the minimum run plus a quantum or two of it.
      expect(duckedAt ?? 0).toBeGreaterThanOrEqual(at);
      expect(ms((duckedAt ?? 0) - onset), phrase).toBeLessThanOrEqual(DUCK_GATE_TUNING.minAboveMs + 8);
    }
  });

  it('the gain ramps down to the duck gain within about 30 ms and is written as gain minus one', () => {
    const audio = mix(room(), speak('What is the weather like tomorrow'), RATE);
    const { duckedAt, out } = run(createDuckGate(RATE), audio);
    expect(out[RATE - QUANTUM]).toBe(0);
    const after = (duckedAt ?? 0) + Math.round(RATE * 0.03);
    expect(out[after]).toBeCloseTo(DUCK_GATE_TUNING.duckGain - 1, 1);
  });

  it('steady noise, a noisy room getting louder slowly, and silence never duck', () => {
    expect(run(createDuckGate(RATE), room()).duckedAt).toBeUndefined();
    expect(run(createDuckGate(RATE), new Float32Array(RATE)).duckedAt).toBeUndefined();
    // 6 dB louder over 1.5 s (4 dB/s): the floor follows at about 9 dB/s.
    const rising = room().map((s, i) => s * 10 ** ((6 * Math.min(1, Math.max(0, i - RATE) / (1.5 * RATE))) / 20));
    expect(run(createDuckGate(RATE), rising).duckedAt).toBeUndefined();
  });

  it('a single click of up to 2 ms does not duck, at any phase against the quanta; a 10 ms burst does', () => {
    for (let phase = 0; phase < QUANTUM; phase += 16) {
      for (const length of [0.5, 1, 2]) {
        expect(run(createDuckGate(RATE), mix(room(), click(length), RATE + phase)).duckedAt, `${length} ms at +${phase}`).toBeUndefined();
      }
    }
    expect(run(createDuckGate(RATE), mix(room(), click(10), RATE)).duckedAt).toBeDefined();
  });

  it('does nothing until armed (no answer playing, or half-duplex)', () => {
    const audio = mix(room(), speak('Stop'), RATE);
    expect(run(createDuckGate(RATE), audio, -1).duckedAt).toBeUndefined();
    // Armed after the floor settled: the same audio ducks.
    expect(run(createDuckGate(RATE), audio, QUANTUM * 100).duckedAt).toBeDefined();
  });

  it('lets go by itself after the hold with nothing over the threshold', () => {
    const speech = speak('Stop');
    const audio = mix(noise(4000, -55), speech, RATE);
    const gate = createDuckGate(RATE);
    const { out } = run(gate, audio);
    expect(gate.ducked).toBe(false);
    // Back at full gain well before the end: the speech ended, then the hold, then the ramp.
    const lastLoud = audio.length - 1 - [...audio].reverse().findIndex((s) => Math.abs(s) >= 10 ** (-40 / 20));
    const releaseBy = lastLoud + Math.round(RATE * ((DUCK_GATE_TUNING.holdMs + 60) / 1000));
    expect(Math.abs(out[releaseBy] ?? -1)).toBeLessThan(0.01);
    expect(out[lastLoud + Math.round(RATE * 0.2)]).toBeLessThan(-0.5);
  });

  it('holds while the main thread ducks, and a release from it lets go at once, also of its own duck', () => {
    const gate = createDuckGate(RATE);
    const out = new Float32Array(QUANTUM);
    gate.command({ type: 'arm', on: true });
    gate.command({ type: 'hold', on: true });
    for (let i = 0; i < 400; i++) gate.process(new Float32Array(QUANTUM), out);
    // Over a second of silence: the main thread's hold does not time out.
    expect(gate.ducked).toBe(true);
    expect(out[QUANTUM - 1]).toBeCloseTo(DUCK_GATE_TUNING.duckGain - 1, 3);
    gate.command({ type: 'hold', on: false });
    expect(gate.ducked).toBe(false);

    const speaking = createDuckGate(RATE);
    run(speaking, mix(room(), speak('What is the weather like tomorrow'), RATE).subarray(0, RATE + RATE / 2));
    expect(speaking.ducked).toBe(true);
    speaking.command({ type: 'hold', on: false });
    expect(speaking.ducked).toBe(false);
    speaking.command({ type: 'hold', on: true });
    speaking.command({ type: 'arm', on: false });
    expect(speaking.ducked).toBe(false);
  });

  it('a mic that goes digitally silent (the echo canceller) does not make faint sounds duck', () => {
    const audio = mix(new Float32Array(2 * RATE), noise(500, -65), RATE);
    expect(run(createDuckGate(RATE), audio).duckedAt).toBeUndefined();
  });
});
