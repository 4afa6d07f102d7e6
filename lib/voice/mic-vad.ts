/**
 * The real VoiceActivityDetector: Silero v5 through @ricky0123/vad-web's MicVAD on an open stream
 * (its AudioWorklet resamples to 16 kHz and hands 32 ms frames to the model). Everything it loads is
 * shipped inside the extension under VAD_ASSET_PATH (wxt.config.ts copies it): the model, the
 * worklet, onnxruntime-web's SIMD wasm and its loader. No CDN; one wasm thread (no cross-origin
 * isolation in extension pages). Its own speech segmentation is not used: the conversation machine
 * reads the per-frame probabilities.
 */
import { MicVAD } from '@ricky0123/vad-web';
import { levelDb, type VadFrame, type VoiceActivityDetector } from './vad.ts';

/** Where the build puts the VAD's files, relative to the extension root. */
export const VAD_ASSET_PATH = '/vad/';
const FRAME_MS = 32;

export async function createMicVad(stream: MediaStream, assetBase: string): Promise<VoiceActivityDetector> {
  const listeners = new Set<(frame: VadFrame) => void>();
  const vad = await MicVAD.new({
    model: 'v5',
    baseAssetPath: assetBase,
    onnxWASMBasePath: assetBase,
    ortConfig: (ort) => {
      ort.env.wasm.numThreads = 1;
      ort.env.logLevel = 'error';
    },
    getStream: async () => stream,
    // The stream belongs to the engine, which stops its tracks itself.
    pauseStream: async () => undefined,
    resumeStream: async () => stream,
    onFrameProcessed: (probabilities, frame) => {
      const vadFrame: VadFrame = { probability: probabilities.isSpeech, levelDb: levelDb(frame), durationMs: FRAME_MS };
      for (const listener of listeners) listener(vadFrame);
    },
    startOnLoad: true,
  });
  return {
    onFrame(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    async dispose() {
      listeners.clear();
      await vad.destroy();
    },
  };
}
