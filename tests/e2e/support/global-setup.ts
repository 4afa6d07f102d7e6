// Vitest globalSetup for the e2e project: builds the Chrome extension once per run into
// its own folder and speaks the fake microphone's WAV. Both are generated, never committed.
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { TestProject } from 'vitest/node';
import { ARTIFACTS_DIR, E2E_OUT_ROOT, REPO_ROOT, SCREENSHOTS_DIR, SPEECH_TEXT, SPEECH_WAV } from './paths.ts';

const run = promisify(execFile);
const STALE_MS = 2 * 60 * 60 * 1000;

declare module 'vitest' {
  export interface ProvidedContext {
    /** Unpacked Chrome build of this run (loaded with --load-extension). */
    parleyExtensionDir: string;
  }
}

/** Removes build folders of runs that died without their teardown. */
function removeStaleBuilds(): void {
  if (!existsSync(E2E_OUT_ROOT)) return;
  for (const entry of readdirSync(E2E_OUT_ROOT)) {
    if (!entry.startsWith('run-')) continue;
    const path = join(E2E_OUT_ROOT, entry);
    if (Date.now() - statSync(path).mtimeMs > STALE_MS) rmSync(path, { recursive: true, force: true });
  }
}

/**
 * `hostAccess: false` builds what users get: no host access until the panel asks for a site.
 * `env`: build-time switches of test-only builds (e.g. WXT_E2E_FORCE_FULL_DUPLEX, docs/conversation-mode.md).
 */
export async function buildExtension(
  outDir: string,
  { hostAccess = true, env = {} }: { hostAccess?: boolean; env?: Record<string, string> } = {},
): Promise<string> {
  try {
    await run('npx', ['wxt', 'build'], {
      cwd: REPO_ROOT,
      // Host access for the E2E build only: automation cannot make the user gesture (toolbar button,
      // shortcut, context menu) that grants activeTab, and tests/e2e/page-context.test.ts must read
      // the page from the panel's "Ask about this page" (docs/page-context.md).
      env: { ...process.env, PARLEY_OUT_DIR: outDir, PARLEY_E2E_HOST_ACCESS: hostAccess ? '1' : '0', ...env },
      maxBuffer: 16 * 1024 * 1024,
    });
  } catch (error) {
    const detail = error instanceof Error && 'stderr' in error ? String(error.stderr) : String(error);
    throw new Error(`E2E: \`wxt build\` failed:\n${detail}`, { cause: error });
  }
  const extensionDir = join(outDir, 'chrome-mv3');
  if (!existsSync(join(extensionDir, 'manifest.json'))) throw new Error(`E2E: no manifest.json in ${extensionDir} after the build.`);
  return extensionDir;
}

async function speakWav(): Promise<void> {
  if (existsSync(SPEECH_WAV)) return;
  const raw = join(ARTIFACTS_DIR, `speech-raw-${process.pid}.wav`);
  const converted = join(ARTIFACTS_DIR, `speech-${process.pid}.wav`);
  await run('espeak-ng', ['-w', raw, SPEECH_TEXT]);
  // Chrome's fake capture device plays the file as is; 48 kHz mono is what MediaRecorder/opus expects.
  await run('ffmpeg', ['-y', '-loglevel', 'error', '-i', raw, '-ar', '48000', '-ac', '1', converted]);
  rmSync(raw, { force: true });
  // Atomic, so a concurrent run never loads a half-written file.
  renameSync(converted, SPEECH_WAV);
}

export default async function setup(project: TestProject): Promise<() => void> {
  mkdirSync(SCREENSHOTS_DIR, { recursive: true });
  mkdirSync(E2E_OUT_ROOT, { recursive: true });
  removeStaleBuilds();
  const outDir = join(E2E_OUT_ROOT, `run-${process.pid}-${Date.now()}`);
  const [extensionDir] = await Promise.all([buildExtension(outDir), speakWav()]);
  project.provide('parleyExtensionDir', extensionDir);
  return () => rmSync(outDir, { recursive: true, force: true });
}
