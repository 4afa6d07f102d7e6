/**
 * A VoiceActivityDetector over 16 kHz samples pushed in by its owner, scored frame by frame by a
 * Silero model (vad-web's `Silero` class; v5 takes 512-sample frames). The browser engine gets its
 * frames from vad-web's MicVAD instead (mic-vad.ts); this path runs the same model on recorded
 * audio, which is how the tests check the turn state machine on real speech and noise.
 */
import { levelDb, type VadFrame, type VoiceActivityDetector } from './vad.ts';

export const VAD_SAMPLE_RATE = 16_000;
export const VAD_FRAME_SAMPLES = 512;

export interface SileroModel {
  process(frame: Float32Array): Promise<{ isSpeech: number }>;
  reset_state(): void;
  release(): Promise<void>;
}

export interface SampleVad extends VoiceActivityDetector {
  /** Scores every whole frame in `samples` (16 kHz mono, -1..1); a partial frame waits for the next push. */
  push(samples: Float32Array): Promise<void>;
}

export function createSampleVad(model: SileroModel): SampleVad {
  const listeners = new Set<(frame: VadFrame) => void>();
  let rest = new Float32Array(0);
  const durationMs = (VAD_FRAME_SAMPLES / VAD_SAMPLE_RATE) * 1000;
  return {
    onFrame(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    async push(samples) {
      const all = new Float32Array(rest.length + samples.length);
      all.set(rest, 0);
      all.set(samples, rest.length);
      let offset = 0;
      for (; offset + VAD_FRAME_SAMPLES <= all.length; offset += VAD_FRAME_SAMPLES) {
        const frame = all.slice(offset, offset + VAD_FRAME_SAMPLES);
        const { isSpeech } = await model.process(frame);
        const vadFrame: VadFrame = { probability: isSpeech, levelDb: levelDb(frame), durationMs };
        for (const listener of listeners) listener(vadFrame);
      }
      rest = all.slice(offset);
    },
    async dispose() {
      listeners.clear();
      await model.release();
    },
  };
}
