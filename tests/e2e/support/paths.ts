// Where the E2E run keeps its build and generated files (all gitignored).
import { join } from 'node:path';

export const REPO_ROOT = join(import.meta.dirname, '..', '..', '..');
/** Own output folder, so a parallel `wxt build` never swaps files under the running browser. */
export const E2E_OUT_DIR = join(REPO_ROOT, '.output-e2e');
export const EXTENSION_DIR = join(E2E_OUT_DIR, 'chrome-mv3');
export const ARTIFACTS_DIR = join(REPO_ROOT, 'tests', 'artifacts');
export const SCREENSHOTS_DIR = join(ARTIFACTS_DIR, 'screenshots');
export const SPEECH_WAV = join(ARTIFACTS_DIR, 'speech.wav');
export const SPEECH_TEXT = 'What is the capital of France?';
