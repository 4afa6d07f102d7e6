/// <reference types="chrome" />
// Chromium with the built extension for the voice benchmark: unmuted, its speaker and microphone on
// the bench's own PulseAudio sinks (no fake capture file: the bench speaks into the room when it
// chooses), and a log of the voice engine's reports (engineEvent runtime messages) kept in the
// service worker with their arrival time, read back by the bench.
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page, type Worker } from 'playwright-core';
import { sleep } from './clock.ts';
import { EXTENSION_DIR } from '../scenarios/extension.ts';

const CHROMIUM = '/usr/lib/chromium/chromium';
const PAGE = '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Article</title></head><body><h1>An article</h1><p>Text.</p></body></html>';

/** One engine report as the service worker received it (`at`: its Date.now()). */
export interface EngineLogEntry {
  at: number;
  type: string;
  [key: string]: unknown;
}

export interface VoiceBrowser {
  context: BrowserContext;
  /** Writes settings and token, opens a page with the panel open, starts conversation mode on its tab. */
  startConversation(settings: Record<string, unknown>, token: string): Promise<void>;
  /** Ends or starts again the conversation on the same tab; true when it runs afterwards. */
  toggleConversation(): Promise<boolean>;
  /** Engine reports (all but input levels) since the conversation started. */
  events(): Promise<EngineLogEntry[]>;
  close(): Promise<void>;
}

declare global {
  // The service worker's log (set by the bench through Playwright, read back the same way).
  var __parleyBenchEngineLog: EngineLogEntry[] | undefined;
}

export async function launchVoiceBrowser(audio: { sink: string; source: string }): Promise<VoiceBrowser> {
  const dir = mkdtempSync(join(tmpdir(), 'parley-bench-voice-'));
  const server: Server = createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(PAGE));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  const context = await chromium.launchPersistentContext(dir, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1280, height: 720 },
    // Headless launchers mute audio; echo cancellation and the measurement need real playback.
    ignoreDefaultArgs: ['--mute-audio'],
    // libpulse takes its default devices from these: this browser alone plays into and hears the bench's sinks.
    env: { ...process.env, PULSE_SINK: audio.sink, PULSE_SOURCE: audio.source },
    args: [
      '--no-sandbox',
      `--disable-extensions-except=${EXTENSION_DIR}`,
      `--load-extension=${EXTENSION_DIR}`,
      '--use-fake-ui-for-media-stream',
      '--autoplay-policy=no-user-gesture-required',
      '--disable-background-networking',
      '--disable-component-update',
      '--no-first-run',
    ],
  });
  const worker = async (): Promise<Worker> => {
    const found = context.serviceWorkers().at(-1) ?? (await context.waitForEvent('serviceworker', { timeout: 20_000 }));
    return found;
  };
  const sw = await worker();
  let conversationTab: { page: Page; tabId: number } | undefined;

  /** The way the toolbar popup starts or ends a conversation on a tab. */
  async function toggle(): Promise<boolean> {
    if (!conversationTab) throw new Error('no conversation tab yet');
    const popup = await context.newPage();
    await popup.goto(`chrome-extension://${new URL(sw.url()).host}/popup.html`);
    const reply: unknown = await popup.evaluate(
      async (id) => chrome.runtime.sendMessage({ id: 1, type: 'toggleConversationInTab', data: { tabId: id }, timestamp: Date.now() }),
      conversationTab.tabId,
    );
    await popup.close();
    await conversationTab.page.bringToFront();
    const res = (reply as { res?: unknown } | undefined)?.res;
    if (typeof res !== 'boolean') throw new Error(`toggleConversationInTab answered ${JSON.stringify(reply)}`);
    return res;
  }

  return {
    context,
    async startConversation(settings, token) {
      await sw.evaluate(
        async ([value, secret]) => {
          await chrome.storage.sync.set({ settings: value });
          await chrome.storage.local.set({ token: secret });
        },
        [settings, token] as const,
      );
      const page = await context.newPage();
      await page.goto(url, { waitUntil: 'load' });
      await page.bringToFront();
      // The panel, as a user would have it: it types each sentence when the engine reports it playing.
      await sleep(500);
      await page.mouse.click(1280 - 50, 720 - 50);
      const tabId = await sw.evaluate(async () => (await chrome.tabs.query({ active: true, lastFocusedWindow: true }))[0]?.id);
      if (tabId === undefined) throw new Error('no active tab id');
      await sw.evaluate(() => {
        globalThis.__parleyBenchEngineLog = [];
        chrome.runtime.onMessage.addListener((message: unknown) => {
          const m = message as { type?: unknown; data?: Record<string, unknown> } | null;
          // Only watches; returns nothing, so the background's own handlers answer as usual. Input levels
          // (10 a second) are left out: the bench polls this log, and the worker is part of what it measures.
          if (m?.type === 'engineEvent' && m.data && m.data.type !== 'level') globalThis.__parleyBenchEngineLog?.push({ at: Date.now(), type: String(m.data.type), ...m.data });
        });
      });
      conversationTab = { page, tabId };
      if (!(await toggle())) throw new Error('conversation mode did not start');
    },
    toggleConversation: toggle,
    events: () => sw.evaluate(() => globalThis.__parleyBenchEngineLog ?? []),
    async close() {
      await context.close();
      server.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
