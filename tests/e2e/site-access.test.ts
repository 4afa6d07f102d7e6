// Issue 12 in Chromium with the build users get: no host access at install (no PARLEY_E2E_HOST_ACCESS),
// only `optional_host_permissions`. A click on "Ask about this page" in a panel opened with the
// bubble grants no activeTab, so nothing is read: the background says which site it needs and the
// panel asks the browser for that one site. Automation cannot answer Chrome's permission prompt
// (it stays open in headless Chromium), so the grant itself is covered by unit tests here and by
// the Firefox E2E (tests/e2e/firefox/firefox-page-context.test.ts), where a pref answers it.
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildExtension } from './support/global-setup.ts';
import { E2E_OUT_ROOT } from './support/paths.ts';
import { startStack, type Stack } from './support/stack.ts';

describe('site access (Chrome build without host access)', () => {
  const outDir = join(E2E_OUT_ROOT, `site-access-${process.pid}-${Date.now()}`);
  let extensionDir: string;
  let stack: Stack;

  beforeAll(async () => {
    extensionDir = await buildExtension(outDir, { hostAccess: false });
    stack = await startStack({ browser: { extensionDir } });
  }, 120_000);
  afterAll(async () => {
    await stack?.close();
    rmSync(outDir, { recursive: true, force: true });
  });

  it('declares no host access, only the optional one per site', () => {
    const manifest = JSON.parse(readFileSync(join(extensionDir, 'manifest.json'), 'utf8')) as Record<string, unknown>;
    expect(manifest.host_permissions).toBeUndefined();
    expect(manifest.optional_host_permissions).toEqual(['*://*/*']);
  });

  it('reads nothing from a bubble-opened panel without a grant, and asks for that one site', async () => {
    const { chat } = await stack.openPage('article.html');
    await chat.open();
    await chat.ax.click(await chat.button(/^Ask about this page$/));
    const offer = await chat.ax.waitFor('group', 'Site access', 20_000);
    expect(await chat.ax.innerText(offer)).toMatch(/read pages on 127\.0\.0\.1/);
    // The prompt opened on the click itself: "Allow" waits for it instead of asking twice.
    const allow = await chat.ax.find('button', /^Allow reading 127\.0\.0\.1$/);
    expect(allow).toBeDefined();
    const frame = await chat.frame();
    expect(await frame.evaluate(() => [...document.querySelectorAll('button')].find((b) => b.textContent?.startsWith('Allow reading'))?.disabled)).toBe(true);
    expect(await chat.ax.find('group', 'Attachment')).toBeUndefined();
    // The prompt is open (headless Chromium never answers it): nothing is granted meanwhile.
    const granted = await frame.evaluate(() => (globalThis as unknown as { chrome: typeof chrome }).chrome.permissions.contains({ origins: ['*://127.0.0.1/*'] }));
    expect(granted).toBe(false);
    // Nothing reached the relay, let alone the fake OpenAI.
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(stack.fake.requests).toEqual([]);
  });
});
