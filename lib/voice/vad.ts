/**
 * Voice activity as the conversation loop sees it: one probability per short frame of microphone
 * audio. The real detector (Silero VAD through @ricky0123/vad-web, silero-vad.ts) and the tests'
 * synthetic frames both produce this, so the turn state machine is tested without ONNX.
 */
export interface VadFrame {
  /** Speech probability 0-1 from the model. */
  probability: number;
  /** RMS level of the frame in dBFS (-100 for silence), for the input meter and the echo self-check. */
  levelDb: number;
  /** Length of the frame (Silero v5 at 16 kHz: 512 samples = 32 ms). */
  durationMs: number;
}

export interface VoiceActivityDetector {
  /** Calls `listener` for every frame until the returned remover is called. */
  onFrame(listener: (frame: VadFrame) => void): () => void;
  /** Stops the model and releases what it holds (not the microphone stream, which its owner stops). */
  dispose(): Promise<void>;
}

/** dBFS of a frame of samples in -1..1. */
export function levelDb(samples: Float32Array): number {
  let sum = 0;
  for (const sample of samples) sum += sample * sample;
  const rms = Math.sqrt(sum / Math.max(1, samples.length));
  return rms <= 1e-5 ? -100 : 20 * Math.log10(rms);
}
