// The bench's "user": espeak-ng phrases as raw 16-bit mono PCM, ready to be played into the room sink.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const SPEAK_RATE = 16_000;

export function speakPcm(text: string, voice = 'en-us'): Buffer {
  const dir = mkdtempSync(join(tmpdir(), 'parley-bench-speak-'));
  try {
    const wav = join(dir, 'raw.wav');
    execFileSync('espeak-ng', ['-v', voice, '-s', '150', '-w', wav, text]);
    return execFileSync('ffmpeg', ['-v', 'error', '-i', wav, '-ac', '1', '-ar', String(SPEAK_RATE), '-f', 's16le', '-'], { maxBuffer: 64 * 2 ** 20 });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
