// Builds the Firefox add-on once per file and launches Debian's firefox-esr with it
// installed as a temporary add-on (puppeteer-core over WebDriver BiDi), permission
// checks ON. The microphone is granted to Parley's origin the way a remembered user
// decision is stored: a permission-manager entry for moz-extension://<uuid>, loaded
// from a defaults file (docs/firefox.md). The fake microphone is Firefox's tone.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import type { ParleySettings } from '../../../../lib/settings.ts';
import { REPO_ROOT } from '../../support/paths.ts';

const run = promisify(execFile);

export const FIREFOX = '/usr/bin/firefox-esr';
export const FIREFOX_OUT_DIR = join(REPO_ROOT, '.output-e2e-firefox');
export const FIREFOX_EXTENSION_DIR = join(FIREFOX_OUT_DIR, 'firefox-mv2');
export const GECKO_ID = 'parley@parley.dev';
/** Fixed per test run through `extensions.webextensions.uuids`, so the origin can be granted up front. */
export const EXTENSION_UUID = '7c0f3d1e-5a2b-4c6d-8e9f-0a1b2c3d4e5f';
export const EXTENSION_ORIGIN = `moz-extension://${EXTENSION_UUID}`;

/**
 * `outDir` and `hostAccess: false` build what users get (no host access until the panel asks for a
 * site) into a folder of its own, so a parallel file's build is never swapped under it. Returns the
 * add-on folder.
 */
export async function buildFirefoxExtension(options: { outDir?: string; hostAccess?: boolean } = {}): Promise<string> {
  const outDir = options.outDir ?? FIREFOX_OUT_DIR;
  const extensionDir = join(outDir, 'firefox-mv2');
  try {
    await run('npx', ['wxt', 'build', '-b', 'firefox'], {
      cwd: REPO_ROOT,
      // Host access stands in for the activeTab gesture automation cannot make (docs/page-context.md).
      env: { ...process.env, PARLEY_OUT_DIR: outDir, PARLEY_E2E_HOST_ACCESS: options.hostAccess === false ? '0' : '1' },
      maxBuffer: 16 * 1024 * 1024,
    });
  } catch (error) {
    const detail = error instanceof Error && 'stderr' in error ? String(error.stderr) : String(error);
    throw new Error(`Firefox E2E: \`wxt build -b firefox\` failed:\n${detail}`, { cause: error });
  }
  if (!existsSync(join(extensionDir, 'manifest.json'))) throw new Error(`Firefox E2E: no manifest.json in ${extensionDir}.`);
  return extensionDir;
}

export interface FirefoxExtensionBrowser {
  readonly browser: Browser;
  /** Opens a moz-extension:// page of Parley in a new tab (needs --remote-allow-system-access). */
  openExtensionPage(path: string): Promise<Page>;
  /** Writes settings (storage.sync) and the token (storage.local) from an extension page. */
  configure(settings: Partial<ParleySettings>, token: string): Promise<void>;
  close(): Promise<void>;
}

export interface LaunchOptions {
  grantMicrophone: boolean;
  /**
   * A PulseAudio server for real audio devices (../../support/private-pulse.ts): its default source is
   * the microphone, its default sink the speaker. Without it, Firefox's fake tone microphone.
   */
  pulseServer?: string;
  /** Keep Firefox's default autoplay blocking (the conversation window must play without a click). */
  defaultAutoplay?: boolean;
  /** Another build than FIREFOX_EXTENSION_DIR (see buildFirefoxExtension). */
  extensionDir?: string;
  extraPrefs?: Record<string, unknown>;
}

export async function launchFirefoxWithExtension(options: LaunchOptions): Promise<FirefoxExtensionBrowser> {
  const dir = await mkdtemp(join(tmpdir(), 'parley-e2e-firefox-'));
  const permissions = join(dir, 'permissions');
  // Format of Firefox's defaults/permissions: matchtype \t type \t permission (1 = allow) \t origin.
  await writeFile(permissions, options.grantMicrophone ? `origin\tmicrophone\t1\t${EXTENSION_ORIGIN}\n` : '\n');
  const browser = await puppeteer.launch({
    browser: 'firefox',
    executablePath: FIREFOX,
    headless: true,
    // Lets BiDi open moz-extension:// pages and read the accessibility tree (firefox-ax.ts).
    args: ['--remote-allow-system-access'],
    ...(options.pulseServer ? { env: { ...process.env, PULSE_SERVER: options.pulseServer } } : {}),
    extraPrefsFirefox: {
      // A synthetic tone instead of a real device, unless the test brings its own PulseAudio. Permission
      // checks stay ON (media.navigator.permission.disabled is not set): the grant below lets Parley record.
      ...(options.pulseServer ? {} : { 'media.navigator.streams.fake': true }),
      'extensions.webextensions.uuids': JSON.stringify({ [GECKO_ID]: EXTENSION_UUID }),
      'permissions.manager.defaultsUrl': pathToFileURL(permissions).href,
      ...(options.defaultAutoplay ? {} : { 'media.autoplay.default': 0, 'media.autoplay.blocking_policy': 0 }),
      ...options.extraPrefs,
    },
  });
  try {
    await browser.installExtension(options.extensionDir ?? FIREFOX_EXTENSION_DIR);
  } catch (error) {
    await browser.close();
    throw error;
  }

  async function openExtensionPage(path: string): Promise<Page> {
    const page = await browser.newPage();
    const url = `${EXTENSION_ORIGIN}/${path.replace(/^\//, '')}`;
    // The switch to the extension process hides the load from puppeteer's navigation
    // tracking, so wait for the document instead of the navigation.
    await page.goto(url, { timeout: 3_000 }).catch(() => undefined);
    const deadline = Date.now() + 15_000;
    while (Date.now() < deadline) {
      const ready = await page.evaluate(() => location.href.startsWith('moz-extension:') && document.readyState === 'complete').catch(() => false);
      if (ready) return page;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(`Firefox E2E: ${url} did not load.`);
  }

  return {
    browser,
    openExtensionPage,
    async configure(settings, token) {
      const page = await openExtensionPage('options.html');
      await page.evaluate(
        async (value, secret) => {
          // `browser` is the WebExtension API in Parley's own page.
          const api = (globalThis as unknown as { browser: { storage: { sync: { set(v: object): Promise<void> }; local: { set(v: object): Promise<void> } } } }).browser;
          await api.storage.sync.set({ settings: value });
          await api.storage.local.set({ token: secret });
        },
        settings,
        token,
      );
      await page.close();
    },
    async close() {
      await browser.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
