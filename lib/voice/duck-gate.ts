/**
 * Barge-in's first duck, on the audio thread (issue 11; docs/conversation-mode.md, "Duck on the audio
 * thread"). The pure part: the microphone's level per render quantum (128 samples) against an adaptive
 * floor, and the gain the answer gets. duck-worklet.ts runs it in the playback AudioContext, where its
 * output drives the answer's gain within the quantum the user's voice arrives in, with no 32 ms VAD
 * frame, model inference or main-thread hop before it.
 *
 * No imports on purpose: this file is bundled into the worklet, which has no module graph of its own.
 */

export interface DuckGateTuning {
  /** The level must be this far over the floor (the conversation machine's early duck uses the same 10 dB). */
  marginDb: number;
  /** The floor never sits below this: digital silence from the echo canceller would make any sound "over" it. */
  minFloorDb: number;
  /** How fast the floor follows the level up (the machine: 0.3 dB per 32 ms frame, about 9.4 dB/s). */
  floorRiseDbPerS: number;
  /**
   * Consecutive time over the threshold before ducking: three quanta at 48 kHz (8 ms). A click of up to
   * 2 ms touches at most two quanta, and speech passes the threshold for longer at once
   * (tests/unit/voice/duck-gate.test.ts); the cost is 8 ms more before the duck.
   */
  minAboveMs: number;
  /** Time with no quantum over the threshold after which the gate lets go by itself. */
  holdMs: number;
  /** Ducked gain (speech-player.ts's DUCK_GAIN) and the ramp's time constant (same 10 ms as the player's). */
  duckGain: number;
  timeConstantMs: number;
}

export const DUCK_GATE_TUNING: DuckGateTuning = {
  marginDb: 10,
  minFloorDb: -70,
  floorRiseDbPerS: 0.3 / 0.032,
  minAboveMs: 7.5,
  holdMs: 300,
  duckGain: 0.2,
  timeConstantMs: 10,
};

/** What the engine tells the worklet (its port messages). */
export type DuckGateCommand =
  /** Listen for the user: only while an answer plays in full duplex. Disarming also lets go. */
  | { type: 'arm'; on: boolean }
  /** The main thread's own duck (the machine's early duck or barge-in candidate), or its release (false start, end). */
  | { type: 'hold'; on: boolean };

export interface DuckGate {
  command(command: DuckGateCommand): void;
  /**
   * One quantum: reads the mic's samples, writes the answer's gain MINUS ONE into `out` (0 = untouched),
   * because the worklet's output is added to a GainNode whose own value stays 1: a worklet that stops
   * or never loads leaves the answer at full volume, never muted.
   */
  process(mic: Float32Array | undefined, out: Float32Array): void;
  /** Ducked by itself (level) or held by the main thread. */
  readonly ducked: boolean;
}

/** dBFS of a quantum (-100 for silence), as lib/voice/vad.ts measures a frame. */
function quantumDb(samples: Float32Array): number {
  let sum = 0;
  for (const sample of samples) sum += sample * sample;
  const rms = Math.sqrt(sum / Math.max(1, samples.length));
  return rms <= 1e-5 ? -100 : 20 * Math.log10(rms);
}

export function createDuckGate(sampleRate: number, tuning: DuckGateTuning = DUCK_GATE_TUNING): DuckGate {
  let floorDb: number | undefined;
  let armed = false;
  let held = false;
  let levelDucked = false;
  let aboveMs = 0;
  let quietMs = 0;
  let gain = 1;
  const perSample = 1 - Math.exp(-1000 / (tuning.timeConstantMs * sampleRate));

  function letGo(): void {
    held = false;
    levelDucked = false;
    aboveMs = 0;
  }

  return {
    command(command) {
      if (command.type === 'arm') {
        armed = command.on;
        if (!armed) letGo();
      } else if (command.on) held = true;
      else letGo();
    },
    process(mic, out) {
      const ms = (out.length * 1000) / sampleRate;
      if (mic && mic.length > 0) {
        const db = quantumDb(mic);
        // Judged against the floor before this quantum, which it may raise (as the machine does per frame).
        const above = floorDb !== undefined && db >= Math.max(floorDb, tuning.minFloorDb) + tuning.marginDb;
        floorDb = floorDb === undefined || db < floorDb ? db : floorDb + (tuning.floorRiseDbPerS * ms) / 1000;
        aboveMs = above ? aboveMs + ms : 0;
        quietMs = above ? 0 : quietMs + ms;
        if (armed && aboveMs >= tuning.minAboveMs) levelDucked = true;
        if (levelDucked && quietMs >= tuning.holdMs) levelDucked = false;
      }
      const target = held || levelDucked ? tuning.duckGain : 1;
      for (let i = 0; i < out.length; i++) {
        gain += (target - gain) * perSample;
        out[i] = gain - 1;
      }
    },
    get ducked() {
      return held || levelDucked;
    },
  };
}
