// Where the E2E run keeps its build and generated files (all gitignored).
import { join } from 'node:path';

export const REPO_ROOT = join(import.meta.dirname, '..', '..', '..');
/**
 * Own output folder, so a parallel `wxt build` never swaps files under the running browser.
 * Each run builds into its own subfolder (see global-setup.ts): other people's E2E runs
 * (the Firefox suite shares this project) must not replace the files a browser is using.
 */
export const E2E_OUT_ROOT = join(REPO_ROOT, '.output-e2e');
export const ARTIFACTS_DIR = join(REPO_ROOT, 'tests', 'artifacts');
export const SCREENSHOTS_DIR = join(ARTIFACTS_DIR, 'screenshots');
export const SPEECH_WAV = join(ARTIFACTS_DIR, 'speech.wav');
export const SPEECH_TEXT = 'What is the capital of France?';
