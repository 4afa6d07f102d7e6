import { describe, expect, it } from 'vitest';
import { assessEcho, CHIRP, chirpSamples, meanLevelDb } from '../../../lib/voice/echo-check.ts';
import { levelDb } from '../../../lib/voice/vad.ts';

describe('echo self-check', () => {
  it('keeps full duplex when cancellation is on and the chirp does not come back', () => {
    expect(assessEcho({ echoCancellation: true, baselineDb: -70, duringChirpDb: -69.5 })).toEqual({ fullDuplex: true, reason: 'cancelled', residualDb: -100 });
  });

  it('falls back to half-duplex when too much of the chirp reaches the mic', () => {
    const verdict = assessEcho({ echoCancellation: true, baselineDb: -70, duringChirpDb: -40 });
    expect(verdict.fullDuplex).toBe(false);
    expect(verdict.reason).toBe('echoHeard');
    expect(verdict.residualDb).toBeCloseTo(-40, 0);
  });

  it('falls back to half-duplex when the browser did not turn cancellation on, whatever the levels', () => {
    expect(assessEcho({ echoCancellation: false, baselineDb: -70, duringChirpDb: -70 })).toMatchObject({ fullDuplex: false, reason: 'noEchoCancellation' });
    expect(assessEcho({ echoCancellation: undefined, baselineDb: -70, duringChirpDb: -70 }).fullDuplex).toBe(false);
  });

  it('a faint residual in a noisy room is within what cancellation leaves', () => {
    // Room at -50 dBFS; the chirp adds -62 dBFS of residual: 0.27 dB more in total.
    const during = 10 * Math.log10(10 ** (-50 / 10) + 10 ** (-62 / 10));
    expect(assessEcho({ echoCancellation: true, baselineDb: -50, duringChirpDb: during }).fullDuplex).toBe(true);
  });

  it('makes a chirp at the planned level and averages levels by power', () => {
    const samples = chirpSamples(48_000);
    expect(samples.length).toBe((48_000 * CHIRP.durationMs) / 1000);
    expect(levelDb(samples)).toBeCloseTo(CHIRP.levelDb, 0);
    expect(meanLevelDb([-20, -100])).toBeCloseTo(-23, 0);
    expect(meanLevelDb([])).toBe(-100);
  });
});
