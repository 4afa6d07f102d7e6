/**
 * Echo self-check at the start of a conversation (issue 11): play a short quiet chirp and measure how
 * much of it reaches the microphone after echo cancellation. Chrome cancels about 33 dB of its own
 * playback (docs/conversation-mode.md); on speakers with cancellation off or failing (Firefox playing
 * elsewhere, an external device, setSinkId), the chirp comes through. Too much residual means the
 * assistant could hear itself: the mode then runs half-duplex (no barge-in, mic ignored while
 * speaking), and the panel says that headphones enable interruption.
 */

export const CHIRP = { durationMs: 700, fromHz: 500, toHz: 2500, levelDb: -24 } as const;

/** A linear sweep with 20 ms fades (no clicks), at CHIRP.levelDb RMS. */
export function chirpSamples(sampleRate: number): Float32Array<ArrayBuffer> {
  const n = Math.round((sampleRate * CHIRP.durationMs) / 1000);
  const out = new Float32Array(n);
  const amplitude = 10 ** (CHIRP.levelDb / 20) * Math.SQRT2;
  const fade = Math.round(sampleRate * 0.02);
  const seconds = n / sampleRate;
  for (let i = 0; i < n; i++) {
    const t = i / sampleRate;
    const phase = 2 * Math.PI * (CHIRP.fromHz * t + ((CHIRP.toHz - CHIRP.fromHz) * t * t) / (2 * seconds));
    const envelope = Math.min(1, i / fade, (n - 1 - i) / fade);
    out[i] = amplitude * envelope * Math.sin(phase);
  }
  return out;
}

export interface EchoMeasurement {
  /** What the browser reports for the mic track (`getSettings().echoCancellation`). */
  echoCancellation: boolean | undefined;
  /** Mic level (dBFS, mean power) just before the chirp, and while it played. */
  baselineDb: number;
  duringChirpDb: number;
}

export interface EchoVerdict {
  fullDuplex: boolean;
  reason: 'cancelled' | 'noEchoCancellation' | 'echoHeard';
  /** Level of the chirp that came back through the mic (dBFS), or -100 when none did. */
  residualDb: number;
}

/**
 * The chirp is played at -24 dBFS; a residual above -60 dBFS is under ~36 dB of cancellation, less
 * than Chrome achieves, and loud enough for Silero to hear speech at that level on speakers.
 */
export const MAX_RESIDUAL_DB = -60;
/** Below this rise over the room's own level, the mic heard nothing of the chirp. */
const MIN_RISE_DB = 3;

const power = (db: number) => 10 ** (db / 10);

export function assessEcho(m: EchoMeasurement): EchoVerdict {
  const rise = m.duringChirpDb - m.baselineDb;
  const residualPower = power(m.duringChirpDb) - power(m.baselineDb);
  const residualDb = rise < MIN_RISE_DB || residualPower <= 0 ? -100 : 10 * Math.log10(residualPower);
  if (m.echoCancellation !== true) return { fullDuplex: false, reason: 'noEchoCancellation', residualDb };
  if (residualDb > MAX_RESIDUAL_DB) return { fullDuplex: false, reason: 'echoHeard', residualDb };
  return { fullDuplex: true, reason: 'cancelled', residualDb };
}

/** Mean power of frame levels in dBFS (not the mean of dB values, which would favour quiet frames). */
export function meanLevelDb(levels: readonly number[]): number {
  if (levels.length === 0) return -100;
  const mean = levels.reduce((sum, db) => sum + power(db), 0) / levels.length;
  return mean <= 1e-10 ? -100 : 10 * Math.log10(mean);
}
