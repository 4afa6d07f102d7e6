// Issue 12 on Firefox ESR with the add-on users get: no host access at install (no
// PARLEY_E2E_HOST_ACCESS), only `optional_permissions` per site. A click in a panel opened with the
// bubble grants no activeTab, so the first "Ask about this page" on a site asks for that site (in a
// small Parley window: Firefox gives the in-page frame no permissions API); here
// `extensions.webextOptionalPermissionPrompts: false` makes Firefox grant a permissions.request
// without showing its prompt (the call still needs the user's click). Then: no page text without an
// attachment; the article reaches the fake OpenAI once, fenced, within the cap, with a typed and
// with a spoken question; read-aloud of a selection goes sentence by sentence and stops on Stop;
// the options page lists the allowed site and Remove takes it back.
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'puppeteer-core';
import { defaultTranscript, startFakeOpenAI, type FakeOpenAI } from '../../fakes/fake-openai.ts';
import { startRelay } from '../../helpers/relay-process.ts';
import { startPageServer, type PageServer } from '../support/page-server.ts';
import { REPO_ROOT } from '../support/paths.ts';
import { openFirefoxChat, normalise, waitUntil, type FirefoxAx } from './support/firefox-ax.ts';
import { buildFirefoxExtension, launchFirefoxWithExtension, type FirefoxExtensionBrowser } from './support/firefox-browser.ts';

const FACT = 'The Lumen 3 costs 89 euros and ships from Lisbon within two working days.';
const MAX_CONTEXT_CHARS = 5000;
const NAMES = {
  message: /^message$/,
  record: /^record voice$/,
  stopRecording: /^stop recording$/,
  askPage: /^ask about this page$/,
  allowSite: /^allow reading 127\.0\.0\.1$/,
  readSelection: /^read the selection aloud$/,
  stopReading: /^stop reading$/,
  newChat: /^new chat$/,
};

type ChatBody = { messages: Array<{ role: string; content: string }> };
type ExtensionApi = { permissions: { getAll(): Promise<{ origins?: string[] }>; contains(p: { origins: string[] }): Promise<boolean> } };

describe('page context in Firefox ESR (no host access until the user allows a site)', () => {
  const outDir = join(REPO_ROOT, `.output-e2e-firefox-page-context-${process.pid}`);
  let fake: FakeOpenAI;
  let relay: Awaited<ReturnType<typeof startRelay>>;
  let pages: PageServer;
  let firefox: FirefoxExtensionBrowser;
  const chatBodies = () => fake.requests.filter((r) => r.endpoint === 'chat').map((r) => r.body as ChatBody);
  const speechInputs = (from: number) => fake.requests.slice(from).filter((r) => r.endpoint === 'speech').map((r) => (r.body as { input: string }).input.trim());
  const settled = () => fake.requests.every((r) => r.outcome !== 'pending');

  let tabs = 0;
  async function openChat(pageName: string): Promise<{ page: Page; ax: FirefoxAx }> {
    // A query of its own per tab: the accessibility driver finds its tab by URL prefix.
    return openFirefoxChat(firefox.browser, `${pages.url(pageName)}?tab=${++tabs}`);
  }

  async function send(page: Page, ax: FirefoxAx, text: string): Promise<void> {
    await ax.type('entry', NAMES.message, text);
    await page.keyboard.press('Enter');
  }

  async function siteGranted(): Promise<boolean> {
    const options = await firefox.openExtensionPage('options.html');
    try {
      return await options.evaluate(() => (globalThis as unknown as { browser: ExtensionApi }).browser.permissions.contains({ origins: ['*://127.0.0.1/*'] }));
    } finally {
      await options.close();
    }
  }

  /** Clicks "Allow reading 127.0.0.1" in the window the panel's "Allow" opened; it closes itself once granted. */
  async function allowInWindow(): Promise<void> {
    // Puppeteer's URL of the new window can stay about:blank (the load switches to the extension
    // process): ask each page where it is.
    const isWindow = (p: Page) => p.evaluate(() => location.href).then((href) => href.includes('/site-access.html?host=127.0.0.1'), () => false);
    const page = await waitUntil('the site-access window', async () => {
      for (const p of await firefox.browser.pages()) if (await isWindow(p)) return p;
      return undefined;
    }, 20_000, 250);
    await page.waitForSelector('#allow:not([disabled])', { timeout: 10_000 });
    expect(await page.$eval('#allow', (b) => b.textContent)).toBe('Allow reading 127.0.0.1');
    await page.click('#allow');
    await waitUntil('the site-access window to close', async () => {
      for (const p of await firefox.browser.pages()) if (await isWindow(p)) return undefined;
      return true;
    }, 15_000, 250);
  }

  beforeAll(async () => {
    let extensionDir: string;
    [fake, extensionDir] = await Promise.all([
      // Firefox's fake microphone is a tone: the fake transcribes any recording as the default phrase.
      startFakeOpenAI({ transcript: () => defaultTranscript() }),
      buildFirefoxExtension({ outDir, hostAccess: false }),
    ]);
    relay = await startRelay({ fake, env: { PARLEY_MAX_CONTEXT_CHARS: String(MAX_CONTEXT_CHARS) } });
    pages = await startPageServer();
    firefox = await launchFirefoxWithExtension({
      grantMicrophone: true,
      extensionDir,
      // Grants an optional permission request without its prompt (automation cannot click it).
      extraPrefs: { 'extensions.webextOptionalPermissionPrompts': false },
    });
    await firefox.configure({ relayUrl: relay.wsUrl, speech: false, typingEffect: false }, relay.token);
  }, 180_000);
  afterAll(async () => {
    const results = await Promise.allSettled([firefox?.close(), relay?.dispose(), pages?.close()]);
    await fake?.close();
    rmSync(outDir, { recursive: true, force: true });
    const failed = results.find((r) => r.status === 'rejected');
    if (failed !== undefined) throw failed.reason;
  });

  it('sends no page text without an attachment', async () => {
    const { page, ax } = await openChat('article.html');
    await send(page, ax, 'Hello, who are you?');
    await waitUntil('the first answer', async () => (chatBodies().length === 1 && settled() ? true : undefined), 30_000);
    const sent = JSON.stringify(chatBodies());
    expect(sent).not.toContain('Lumen');
    expect(sent).not.toContain('parley-context');
    expect(sent).not.toContain('article.html');
    expect(await siteGranted()).toBe(false);
    await page.close();
  });

  it('asks for the one site on "Ask about this page", then attaches the article: once, fenced, within the cap', async () => {
    const { page, ax } = await openChat('article.html');
    await ax.press('pushbutton', NAMES.askPage);
    // Firefox gives the panel's frame no permissions API: its "Allow" opens a small Parley window
    // whose own "Allow" button asks the browser (granted here by the pref, without a prompt).
    await ax.press('pushbutton', NAMES.allowSite, 20_000);
    await allowInWindow();
    await ax.waitForText('document', 'Goes with your next message', 20_000);
    expect(await siteGranted()).toBe(true);

    const before = chatBodies().length;
    await send(page, ax, 'How much does the lamp cost?');
    await waitUntil('the question with the article', async () => (chatBodies().length > before && settled() ? true : undefined), 30_000);
    await send(page, ax, 'And how long does the battery last?');
    await waitUntil('the follow-up', async () => (chatBodies().length > before + 1 && settled() ? true : undefined), 30_000);
    for (const body of chatBodies().slice(before)) {
      const quoted = body.messages.filter((m) => m.role !== 'assistant' && m.content.includes(FACT));
      expect(quoted).toHaveLength(1);
      const text = quoted[0]?.content ?? '';
      expect(text).toMatch(/^\[Attached by the user: text from the web page "Lumen 3 review: a lamp that listens" \(http:\/\/127\.0\.0\.1:\d+\/article\.html\)\./);
      expect(text).toMatch(/\n<<<parley-context [0-9a-f]{12}\n/);
      expect(text.split('\n').slice(2, -1).join('\n').length).toBeLessThanOrEqual(MAX_CONTEXT_CHARS);
      expect(text).not.toMatch(/SPONSORED|ADVERTISEMENT|FIRST COMMENT/);
    }
    expect(chatBodies()[before]?.messages.at(-1)?.content).toBe('How much does the lamp cost?');
    await page.close();
  });

  it('sends the attached article with a spoken question too (the site is allowed now: no second ask)', async () => {
    const { page, ax } = await openChat('article.html');
    await ax.press('pushbutton', NAMES.newChat);
    await ax.press('pushbutton', NAMES.askPage);
    await ax.waitForText('document', 'Goes with your next message', 20_000);
    expect(await ax.find('pushbutton', NAMES.allowSite)).toBeUndefined();
    const before = chatBodies().length;
    await ax.press('pushbutton', NAMES.record);
    await ax.waitFor('pushbutton', NAMES.stopRecording, 20_000);
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    await ax.press('pushbutton', NAMES.stopRecording);
    await waitUntil('the spoken question to reach the model', async () => (chatBodies().length > before && settled() ? true : undefined), 60_000);
    const messages = chatBodies()[before]?.messages ?? [];
    expect(messages.at(-1)?.content).toBe(defaultTranscript());
    expect(messages.at(-2)?.content).toMatch(/^\[Attached by the user: text from the web page "Lumen 3 review/);
    expect(messages.filter((m) => m.role !== 'assistant' && m.content.includes(FACT))).toHaveLength(1);
    await page.close();
  });

  it('reads the selection aloud sentence by sentence, highlighting it, and stops on Stop', async () => {
    fake.setLatency({ ttsMs: 700 });
    const { page, ax } = await openChat('article.html');
    // Four paragraphs and a heading of the article: nine sentences, about a minute of speech.
    const selected = await page.evaluate(() => {
      const paragraphs = [...document.querySelectorAll('p')];
      const first = paragraphs.find((p) => p.textContent?.startsWith('The Lumen 3 is the third'));
      const last = paragraphs.find((p) => p.textContent?.startsWith('The arm is aluminium'));
      const range = document.createRange();
      range.setStartBefore(first as Node);
      range.setEndAfter(last as Node);
      const selection = window.getSelection();
      selection?.removeAllRanges();
      selection?.addRange(range);
      return selection?.toString() ?? '';
    });
    const before = fake.requests.length;
    await ax.press('pushbutton', NAMES.readSelection);
    const highlighted = await waitUntil('the first sentence to be highlighted', async () => {
      const text = await ax.text('grouping', /^reading aloud$/);
      return text.includes('The Lumen 3 is the third') ? text : undefined;
    }, 30_000);
    expect(highlighted).toContain(normalise('The Lumen 3 is the third desk lamp from the Lisbon start-up Lumen, and the first one you can talk to.'));
    const early = speechInputs(before);
    expect(early[0]).toBe('The Lumen 3 is the third desk lamp from the Lisbon start-up Lumen, and the first one you can talk to.');
    // One synthesis request per sentence, each from the selection and nothing else of the page.
    for (const input of early) {
      expect(normalise(selected)).toContain(input);
      expect(input.slice(0, -1)).not.toMatch(/[.!?]\s/);
    }
    expect(early.join(' ')).not.toMatch(/companion app|ADVERTISEMENT|Verdict|Ana Ribeiro/);
    await ax.press('pushbutton', NAMES.stopReading);
    await waitUntil('the reading bar to go', async () => ((await ax.find('grouping', /^reading aloud$/)) === undefined ? true : undefined), 10_000);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const afterStop = speechInputs(before).length;
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(speechInputs(before).length).toBe(afterStop); // nothing new after Stop
    // Paced to the listener: the selection's later sentences were never synthesised.
    expect(afterStop).toBeLessThan(9);
    expect(fake.requests.slice(before).filter((r) => r.endpoint === 'speech' && r.outcome === 'pending')).toEqual([]);
    expect(fake.requests.slice(before).filter((r) => r.endpoint === 'chat')).toEqual([]);
    fake.setLatency({ ttsMs: 5 });
    await page.close();
  });

  it('lists the allowed site in the options; Remove takes it back and the next attach asks again', async () => {
    const options = await firefox.openExtensionPage('options.html');
    await waitUntil('the allowed site in the options', () => options.evaluate(() => (document.body.innerText.includes('Sites Parley may read') && document.querySelector('button[aria-label="Remove 127.0.0.1"]') !== null) || undefined), 15_000);
    await options.evaluate(() => document.querySelector<HTMLButtonElement>('button[aria-label="Remove 127.0.0.1"]')?.click());
    await waitUntil('the site to be removed', () => options.evaluate(() => document.querySelector('button[aria-label="Remove 127.0.0.1"]') === null || undefined), 10_000);
    await options.close();
    expect(await siteGranted()).toBe(false);
    const { page, ax } = await openChat('article.html');
    await ax.press('pushbutton', NAMES.askPage);
    await ax.waitFor('pushbutton', NAMES.allowSite, 20_000);
    await page.close();
  });
});
