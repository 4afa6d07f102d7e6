// Everything one E2E file needs, started once in beforeAll: the fake OpenAI, the real
// relay process pointed at it, the test page server and a Chromium with the extension.
import type { Page } from 'playwright-core';
import { startFakeOpenAI, type FakeOpenAI, type FakeOpenAIOptions } from '../../fakes/fake-openai.ts';
import { startRelay } from '../../helpers/relay-process.ts';
import type { ParleySettings } from '../../../lib/settings.ts';
import { launchExtensionBrowser, type ExtensionBrowser, type LaunchOptions } from './browser.ts';
import { startPageServer, type PageServer } from './page-server.ts';
import { openChatPanel, type ChatPanel } from './chat.ts';
import { startWsTap, type WsTap } from './ws-tap.ts';

export type Relay = Awaited<ReturnType<typeof startRelay>>;

export interface StackOptions {
  fake?: FakeOpenAIOptions;
  relayEnv?: Record<string, string>;
  /** Extension settings on top of the defaults; relayUrl defaults to the started relay. */
  settings?: Partial<ParleySettings>;
  /** Leave the extension unconfigured (the options test fills the form itself). */
  skipConfigure?: boolean;
  /** Route the extension through a frame-recording proxy (see ws-tap.ts). */
  tap?: boolean;
  browser?: LaunchOptions;
}

export interface Stack {
  fake: FakeOpenAI;
  relay: Relay;
  pages: PageServer;
  browser: ExtensionBrowser;
  tap: WsTap | undefined;
  /** Opens a test page in a new tab and returns the page and its chat panel driver. */
  openPage(name?: string): Promise<{ page: Page; chat: ChatPanel }>;
  close(): Promise<void>;
}

/** Text-only defaults keep most files fast; the voice test turns speech on. */
export const FAST_SETTINGS: Partial<ParleySettings> = { speech: false, typingEffect: false };

export async function startStack(options: StackOptions = {}): Promise<Stack> {
  const fake = await startFakeOpenAI(options.fake);
  const relay = await startRelay({ fake, env: options.relayEnv });
  const pages = await startPageServer();
  const tap = options.tap === true ? await startWsTap(relay.wsUrl) : undefined;
  const browser = await launchExtensionBrowser(options.browser);
  if (options.skipConfigure !== true) {
    await browser.configure({ ...FAST_SETTINGS, relayUrl: tap?.url ?? relay.wsUrl, ...options.settings }, relay.token);
  }
  return {
    fake,
    relay,
    pages,
    browser,
    tap,
    async openPage(name = 'plain.html') {
      const page = await browser.context.newPage();
      await page.goto(pages.url(name));
      return { page, chat: await openChatPanel(page) };
    },
    async close() {
      // Each step is independent: one failing must not leak the others' processes.
      const results = await Promise.allSettled([browser.close(), relay.dispose(), pages.close(), tap?.close()]);
      await fake.close();
      const failed = results.find((r) => r.status === 'rejected');
      if (failed !== undefined) throw failed.reason;
    },
  };
}
