// A real 60 s webm/opus recording made once with ffmpeg (a spoken-level tone at 32 kbit/s, as
// MediaRecorder would produce) and cached in the temp folder.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export function opusRecording(seconds: number): Uint8Array {
  const path = join(tmpdir(), `parley-bench-${seconds}s.webm`);
  if (!existsSync(path)) {
    execFileSync('ffmpeg', ['-v', 'error', '-y', '-f', 'lavfi', '-i', `sine=frequency=220:duration=${seconds}`, '-c:a', 'libopus', '-b:a', '32k', path]);
  }
  return new Uint8Array(readFileSync(path));
}

/** Cuts a recording into `count` consecutive slices, like MediaRecorder's timeslice chunks. */
export function slices(bytes: Uint8Array, count: number): Uint8Array[] {
  const size = Math.ceil(bytes.byteLength / count);
  return Array.from({ length: count }, (_, i) => bytes.subarray(i * size, Math.min(bytes.byteLength, (i + 1) * size))).filter((s) => s.byteLength > 0);
}
