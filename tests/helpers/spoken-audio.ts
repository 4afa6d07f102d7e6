// espeak-ng speech as 16-bit mono PCM and WAV files, made at test time (never committed): the fake
// microphone's recordings in E2E and the fake speech-to-text's inputs in its own tests.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** espeak-ng's US English voice (150 words a minute unless told), resampled to `rate` Hz mono s16le. */
export function speakPcm(text: string, rate: number, wordsPerMinute = 150): Buffer {
  const dir = mkdtempSync(join(tmpdir(), 'parley-speak-'));
  try {
    const raw = join(dir, 'raw.wav');
    execFileSync('espeak-ng', ['-v', 'en-us', '-s', String(wordsPerMinute), '-w', raw, text]);
    return execFileSync('ffmpeg', ['-v', 'error', '-nostdin', '-i', raw, '-ac', '1', '-ar', String(rate), '-f', 's16le', 'pipe:1'], { maxBuffer: 64 * 1024 * 1024 });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The same speech as float samples in [-1, 1), for code that works on Web Audio buffers. */
export function speakSamples(text: string, rate: number, wordsPerMinute?: number): Float32Array {
  const pcm = speakPcm(text, rate, wordsPerMinute);
  const samples = new Float32Array(pcm.length / 2);
  for (let i = 0; i < samples.length; i++) samples[i] = pcm.readInt16LE(i * 2) / 32768;
  return samples;
}

/** The samples times `gain` (0.3 ≈ -10 dB). */
export function scalePcm(pcm: Buffer, gain: number): Buffer {
  const out = Buffer.alloc(pcm.length);
  for (let i = 0; i + 1 < pcm.length; i += 2) out.writeInt16LE(Math.max(-32_768, Math.min(32_767, Math.round(pcm.readInt16LE(i) * gain))), i);
  return out;
}

export function silencePcm(ms: number, rate: number): Buffer {
  return Buffer.alloc(Math.round((rate * ms) / 1000) * 2);
}

/** A canonical 44-byte-header WAV around mono s16le samples. */
export function wavFile(pcm: Buffer, rate: number): Buffer {
  const header = Buffer.alloc(44);
  header.write('RIFF', 0, 'ascii');
  header.writeUInt32LE(36 + pcm.length, 4);
  header.write('WAVEfmt ', 8, 'ascii');
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(1, 20);
  header.writeUInt16LE(1, 22);
  header.writeUInt32LE(rate, 24);
  header.writeUInt32LE(rate * 2, 28);
  header.writeUInt16LE(2, 32);
  header.writeUInt16LE(16, 34);
  header.write('data', 36, 'ascii');
  header.writeUInt32LE(pcm.length, 40);
  return Buffer.concat([header, pcm]);
}

/** Opus in WebM, as Chrome's MediaRecorder uploads it. */
export function webmOpus(wav: Buffer): Buffer {
  return execFileSync('ffmpeg', ['-v', 'error', '-nostdin', '-f', 'wav', '-i', 'pipe:0', '-c:a', 'libopus', '-b:a', '32k', '-f', 'webm', 'pipe:1'], {
    input: wav,
    maxBuffer: 64 * 1024 * 1024,
  });
}
