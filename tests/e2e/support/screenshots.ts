// Screenshots are artifacts of every run (tests/artifacts/screenshots, gitignored).
// PARLEY_UPDATE_SCREENSHOT=1 also refreshes docs/screenshot.png (README), docs/panel-on-page.png and docs/side-panel.png.
import { copyFile, mkdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { REPO_ROOT, SCREENSHOTS_DIR } from './paths.ts';

export interface Clip {
  x: number;
  y: number;
  width: number;
  height: number;
}

export async function saveScreenshot(page: Page, name: string, clip?: Clip): Promise<string> {
  await mkdir(SCREENSHOTS_DIR, { recursive: true });
  const path = join(SCREENSHOTS_DIR, `${name}.png`);
  await page.screenshot({ path, ...(clip === undefined ? {} : { clip }) });
  return path;
}

/** Copies a screenshot to docs/`name` when asked to; refuses files too big for the README. */
export async function maybeUpdateDocsScreenshot(path: string, name: string): Promise<void> {
  if (process.env.PARLEY_UPDATE_SCREENSHOT !== '1') return;
  const { size } = await stat(path);
  if (size > 150 * 1024) throw new Error(`${path} is ${size} bytes; keep docs/${name} under 150 KB.`);
  await copyFile(path, join(REPO_ROOT, 'docs', name));
}

/** The README's picture, docs/screenshot.png. */
export const maybeUpdateReadmeScreenshot = (path: string): Promise<void> => maybeUpdateDocsScreenshot(path, 'screenshot.png');

/** A region around `box` with a margin, kept inside the viewport. */
export function around(box: Clip, margin: number, viewport: { width: number; height: number }): Clip {
  const x = Math.max(0, box.x - margin);
  const y = Math.max(0, box.y - margin);
  return {
    x,
    y,
    width: Math.min(viewport.width - x, box.width + 2 * margin),
    height: Math.min(viewport.height - y, box.height + 2 * margin),
  };
}
