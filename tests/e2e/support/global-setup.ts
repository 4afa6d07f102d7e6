// Vitest globalSetup for the e2e project: builds the Chrome extension once per run into
// its own folder and speaks the fake microphone's WAV. Both are generated, never committed.
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ARTIFACTS_DIR, E2E_OUT_DIR, EXTENSION_DIR, REPO_ROOT, SCREENSHOTS_DIR, SPEECH_TEXT, SPEECH_WAV } from './paths.ts';

const run = promisify(execFile);

async function buildExtension(): Promise<void> {
  rmSync(E2E_OUT_DIR, { recursive: true, force: true });
  try {
    await run('npx', ['wxt', 'build'], {
      cwd: REPO_ROOT,
      env: { ...process.env, PARLEY_OUT_DIR: E2E_OUT_DIR },
      maxBuffer: 16 * 1024 * 1024,
    });
  } catch (error) {
    const detail = error instanceof Error && 'stderr' in error ? String(error.stderr) : String(error);
    throw new Error(`E2E: \`wxt build\` failed:\n${detail}`, { cause: error });
  }
  if (!existsSync(join(EXTENSION_DIR, 'manifest.json'))) throw new Error(`E2E: no manifest.json in ${EXTENSION_DIR} after the build.`);
}

async function speakWav(): Promise<void> {
  if (existsSync(SPEECH_WAV)) return;
  const raw = join(ARTIFACTS_DIR, 'speech-raw.wav');
  await run('espeak-ng', ['-w', raw, SPEECH_TEXT]);
  // Chrome's fake capture device plays the file as is; 48 kHz mono is what MediaRecorder/opus expects.
  await run('ffmpeg', ['-y', '-loglevel', 'error', '-i', raw, '-ar', '48000', '-ac', '1', SPEECH_WAV]);
  rmSync(raw, { force: true });
}

export default async function setup(): Promise<void> {
  mkdirSync(SCREENSHOTS_DIR, { recursive: true });
  await Promise.all([buildExtension(), speakWav()]);
}
