/// <reference types="chrome" />
// Launches Debian's Chromium with the E2E build of the extension loaded and a fake
// microphone that plays the espeak-ng WAV. One browser per test file.
import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page, type Worker } from 'playwright-core';
// Type-only: lib/settings.ts defines WXT storage items, which need a browser at import time.
import type { ParleySettings } from '../../../lib/settings.ts';
import { inject } from 'vitest';
import { SPEECH_WAV } from './paths.ts';
import { waitUntil } from './ax.ts';

export const CHROMIUM = '/usr/lib/chromium/chromium';

export interface ExtensionBrowser {
  readonly context: BrowserContext;
  readonly extensionId: string;
  /** The running service worker; after a forced stop this waits for the next one. */
  worker(): Promise<Worker>;
  /**
   * Writes settings (storage.sync `settings`) and the token (storage.local `token`) from the
   * service worker. A partial object is enough: the extension fills missing fields with defaults.
   */
  configure(settings: Partial<ParleySettings>, token: string): Promise<void>;
  extensionUrl(path: string): string;
  /** Stops every service worker through CDP (Playwright otherwise keeps it alive forever). */
  stopServiceWorker(page: Page): Promise<void>;
  close(): Promise<void>;
}

/** Chromium's id for an unpacked extension: SHA-256 of its absolute path, first 32 hex digits mapped 0-f → a-p. */
function unpackedExtensionId(dir: string): string {
  const hex = createHash('sha256').update(dir).digest('hex').slice(0, 32);
  return [...hex].map((digit) => String.fromCharCode(97 + parseInt(digit, 16))).join('');
}

export interface LaunchOptions {
  /** The fake microphone's WAV instead of the push-to-talk phrase, played once (no loop). */
  captureWav?: string;
  /** Keep audio on: headless launchers pass --mute-audio, and echo cancellation needs real playback (PulseAudio). */
  unmuted?: boolean;
  /**
   * Chromium's PulseAudio client connects to this server (see private-pulse.ts). Without `captureWav`,
   * the microphone is the server's default source instead of a fake device. Implies `unmuted`.
   */
  pulseServer?: string;
  /** Another unpacked build than the run's (one without the E2E host access, or a test-only build switch). */
  extensionDir?: string;
}

export async function launchExtensionBrowser(options: LaunchOptions = {}): Promise<ExtensionBrowser> {
  // Provided by global-setup.ts (which also declares its type).
  const extensionDir = options.extensionDir ?? inject('parleyExtensionDir');
  const userDataDir = await mkdtemp(join(tmpdir(), 'parley-e2e-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1280, height: 800 },
    ...(options.unmuted === true || options.pulseServer !== undefined ? { ignoreDefaultArgs: ['--mute-audio'] } : {}),
    ...(options.pulseServer === undefined ? {} : { env: { ...process.env, PULSE_SERVER: options.pulseServer } }),
    args: [
      '--no-sandbox',
      `--disable-extensions-except=${extensionDir}`,
      `--load-extension=${extensionDir}`,
      // Grants the microphone without a prompt (an offscreen document can never show one).
      '--use-fake-ui-for-media-stream',
      ...(options.pulseServer !== undefined && options.captureWav === undefined
        ? []
        : [
            '--use-fake-device-for-media-stream',
            options.captureWav === undefined ? `--use-file-for-fake-audio-capture=${SPEECH_WAV}` : `--use-file-for-fake-audio-capture=${options.captureWav}%noloop`,
          ]),
      // Headless Chromium would otherwise refuse to start audio without a user gesture in some contexts.
      '--autoplay-policy=no-user-gesture-required',
      '--disable-background-networking',
      '--disable-component-update',
      '--no-first-run',
    ],
  });

  const extensionId = unpackedExtensionId(extensionDir);
  // Playwright occasionally misses the worker's first start on a loaded machine; an
  // extension page that messages the background wakes it (worker() below waits for it).
  const started = context.serviceWorkers()[0] ?? (await context.waitForEvent('serviceworker', { timeout: 10_000 }).catch(() => undefined));
  if (started === undefined) {
    // The worker may be running unseen (Playwright attached too late): stop it, then let an
    // extension page that messages the background start a fresh one Playwright does see.
    const nudge = await context.newPage();
    const cdp = await context.newCDPSession(nudge);
    await cdp.send('ServiceWorker.enable');
    await cdp.send('ServiceWorker.stopAllWorkers');
    await cdp.detach();
    const seen = context.waitForEvent('serviceworker', { timeout: 30_000 }).catch(() => undefined);
    await nudge.goto(`chrome-extension://${extensionId}/popup.html`).catch(() => undefined);
    await seen;
    await nudge.close();
  } else if (new URL(started.url()).host !== extensionId) {
    throw new Error(`Extension id ${new URL(started.url()).host} is not the one derived from ${extensionDir} (${extensionId}).`);
  }

  async function worker(): Promise<Worker> {
    return waitUntil(
      'the extension service worker',
      async () => {
        const current = context.serviceWorkers().filter((w) => w.url().startsWith(`chrome-extension://${extensionId}/`));
        const live = current.at(-1);
        if (live === undefined) return undefined;
        // A stopped worker's handle lingers briefly; prove it answers.
        await live.evaluate(() => 1);
        return live;
      },
      30_000,
      200,
    );
  }

  return {
    context,
    extensionId,
    worker,
    extensionUrl: (path) => `chrome-extension://${extensionId}/${path.replace(/^\//, '')}`,
    async configure(settings, token) {
      const sw = await worker();
      await sw.evaluate(
        async ([value, secret]) => {
          await chrome.storage.sync.set({ settings: value });
          await chrome.storage.local.set({ token: secret });
        },
        [settings, token] as const,
      );
    },
    async stopServiceWorker(page) {
      const cdp = await context.newCDPSession(page);
      const seen: string[] = [];
      try {
        // Resolves once the extension's worker reports "stopped", so callers know it really went down.
        const stopped = new Promise<void>((resolve) => {
          cdp.on('ServiceWorker.workerVersionUpdated', (event) => {
            for (const version of event.versions) {
              if (!version.scriptURL.startsWith(`chrome-extension://${extensionId}/`)) continue;
              seen.push(version.runningStatus);
              if (version.runningStatus === 'stopped') resolve();
            }
          });
        });
        await cdp.send('ServiceWorker.enable');
        await cdp.send('ServiceWorker.stopAllWorkers');
        const timeout = new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), 10_000));
        if ((await Promise.race([stopped, timeout])) === 'timeout') {
          throw new Error(`The extension service worker did not stop (states seen: ${seen.join(', ') || 'none'}).`);
        }
      } finally {
        await cdp.detach();
      }
    },
    async close() {
      await context.close();
      await rm(userDataDir, { recursive: true, force: true });
    },
  };
}
