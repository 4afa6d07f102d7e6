// Issue 5 on Firefox ESR: the built add-on installed as a temporary add-on, the real relay
// and the fake OpenAI, microphone permission checks on. One browser for the file (Firefox
// with an add-on starts in ~5 s): a text turn, a voice turn recorded through Parley's
// recorder window with the fake tone microphone, the options page, and (issue 12) "Ask about
// this page" through tabs.executeScript of the MV2 build.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'puppeteer-core';
import { defaultAnswer, defaultTranscript, startFakeOpenAI, type FakeOpenAI, type TranscriptionRequestBody } from '../../fakes/fake-openai.ts';
import { startRelay } from '../../helpers/relay-process.ts';
import { startPageServer, type PageServer } from '../support/page-server.ts';
import { createFirefoxAx, normalise, openFirefoxChat, topContexts, waitUntil, type FirefoxAx } from './support/firefox-ax.ts';
import { buildFirefoxExtension, launchFirefoxWithExtension, type FirefoxExtensionBrowser } from './support/firefox-browser.ts';

const WELCOME = 'Hello. How can I help you today?';
const QUESTION = 'What is the capital of France?';
const NAMES = {
  open: /^open chat$/,
  message: /^message$/,
  send: /^send$/,
  record: /^record voice$/,
  stopRecording: /^stop recording$/,
};
const WEBM_MAGIC = '1a45dfa3';

describe('Parley in Firefox ESR', () => {
  let fake: FakeOpenAI;
  let relay: Awaited<ReturnType<typeof startRelay>>;
  let pages: PageServer;
  let firefox: FirefoxExtensionBrowser;
  /** First bytes of each recording the fake transcribed. */
  const recordings: { magic: string; bytes: number; filename: string }[] = [];

  const openChat = (pageName = 'plain.html'): Promise<{ page: Page; ax: FirefoxAx }> => openFirefoxChat(firefox.browser, pages.url(pageName));

  beforeAll(async () => {
    [fake] = await Promise.all([
      startFakeOpenAI({
        transcript: (audio) => {
          recordings.push({ magic: Buffer.from(audio.bytes.subarray(0, 4)).toString('hex'), bytes: audio.bytes.byteLength, filename: audio.filename });
          return defaultTranscript();
        },
      }),
      buildFirefoxExtension(),
    ]);
    relay = await startRelay({ fake });
    pages = await startPageServer();
    firefox = await launchFirefoxWithExtension({ grantMicrophone: true });
    await firefox.configure({ relayUrl: relay.wsUrl, speech: false, typingEffect: false }, relay.token);
  });
  afterAll(async () => {
    const results = await Promise.allSettled([firefox?.close(), relay?.dispose(), pages?.close()]);
    await fake?.close();
    const failed = results.find((r) => r.status === 'rejected');
    if (failed !== undefined) throw failed.reason;
  });

  it('text turn: the answer equals the fake answer', async () => {
    const { page, ax } = await openChat();
    await ax.waitForText('document', WELCOME);
    await ax.type('entry', NAMES.message, QUESTION);
    await page.keyboard.press('Enter');

    const expected = defaultAnswer([{ role: 'user', content: QUESTION }]);
    const text = await ax.waitForText('document', expected, 60_000);
    expect(text.indexOf(normalise(expected))).toBeGreaterThan(text.indexOf(QUESTION));
    const chats = fake.requests.filter((r) => r.endpoint === 'chat');
    expect(chats).toHaveLength(1);
    expect(chats[0]?.outcome).toBe('completed');
    await page.close();
  });

  it('a spying page sees no key, input or text of the chat, and gets no shadow root', async () => {
    // tests/e2e/pages/spy.html: capture-phase listeners on window and document, custom elements
    // defined (with attachInternals) under every hyphenated name it sees added.
    const { page, ax } = await openChat('spy.html');
    const secret = 'okapi-5150';
    await ax.type('entry', NAMES.message, `Remember ${secret}`);
    await page.keyboard.press('Enter');
    await ax.waitForText('document', 'Thanks for listening!', 60_000);
    const seen = await page.evaluate(() => {
      const spy = (window as unknown as { __spy: { events: { type: string; trusted: boolean }[]; upgraded: string[]; internalsRoots: unknown[]; probe(): string } }).__spy;
      return {
        trusted: spy.events.filter((event) => event.trusted && event.type !== 'selectionchange'),
        all: JSON.stringify(spy.events),
        upgraded: spy.upgraded.length,
        internalsRoots: spy.internalsRoots.length,
        probe: spy.probe(),
      };
    });
    expect(seen.trusted, 'trusted key/input/clipboard events the page saw').toEqual([]);
    expect(seen.all).not.toContain(secret);
    expect(seen.upgraded, 'the page took over the host element name').toBeGreaterThan(0);
    expect(seen.internalsRoots, 'shadow roots handed over by attachInternals').toBe(0);
    expect(seen.probe).not.toContain(secret);
    expect(seen.probe).not.toContain('Thanks for listening');
    await page.close();
  });

  it('sidebar page: the panel page in side mode (no tab of a site) shares the conversation', async () => {
    // Opened as Firefox's sidebar would load it (sidebar_action.default_panel); BiDi cannot open the sidebar.
    const side = await firefox.openExtensionPage('chat.html?mode=side');
    const sideText = () => side.evaluate(() => document.querySelector('[role="log"]')?.textContent ?? '');
    // The text turn above was asked from a page's panel: the sidebar shows it.
    await waitUntil('the earlier question in the sidebar', async () => (normalise(await sideText()).includes(QUESTION) ? true : undefined), 15_000);
    await side.type('textarea', 'Asked from the sidebar');
    await side.keyboard.press('Enter');
    await waitUntil('the answer in the sidebar', async () => (/You asked: "Asked from the sidebar"/.test(normalise(await sideText())) ? true : undefined), 60_000);
    await side.close();
  });

  it('voice turn: the tone microphone is recorded in the recorder window, transcribed and answered', async () => {
    const { page, ax } = await openChat();
    await ax.press('pushbutton', NAMES.record);
    await ax.waitFor('pushbutton', NAMES.stopRecording, 20_000);
    // The recording runs in Parley's recorder window (puppeteer's pages() does not list add-on popup windows).
    const recorderOpen = async () => (await topContexts(firefox.browser)).some((c) => c.url.includes('/recorder.html'));
    await waitUntil('a recorder window while recording', async () => ((await recorderOpen()) ? true : undefined), 10_000);
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    await ax.press('pushbutton', NAMES.stopRecording);

    const transcription = await fake.waitForRequest((r) => r.endpoint === 'transcription' && r.outcome !== 'pending', 30_000);
    expect(transcription.outcome).toBe('completed');
    const body = transcription.body as TranscriptionRequestBody | undefined;
    expect(body?.bytes, 'bytes of the recording the fake transcribed').toBeGreaterThan(1000);
    // The recorder asked for webm/opus, so the relay's "recording.webm" upload is honest.
    expect(recordings.at(-1)?.magic).toBe(WEBM_MAGIC);

    const transcript = defaultTranscript();
    const expected = defaultAnswer([{ role: 'user', content: transcript }]);
    const text = await ax.waitForText('document', expected, 60_000);
    expect(text).toContain(normalise(transcript));
    expect(text.indexOf(normalise(transcript))).toBeLessThan(text.lastIndexOf(normalise(expected)));
    // The recorder window closed itself after delivering the recording.
    await waitUntil('the recorder window to close', async () => ((await recorderOpen()) ? undefined : true), 20_000);
    await page.close();
  });

  it('ask about this page: the injected extraction reads the fixture article and it reaches the model once, fenced', async () => {
    const page = await firefox.browser.newPage();
    const url = pages.url('article.html');
    await page.goto(url);
    await page.bringToFront();
    const ax = await createFirefoxAx(firefox.browser, page, url);
    await ax.press('pushbutton', NAMES.open, 20_000);
    await ax.waitFor('entry', NAMES.message);
    const before = fake.requests.filter((r) => r.endpoint === 'chat').length;
    await ax.press('pushbutton', /^ask about this page$/);
    await ax.waitForText('document', 'Goes with your next message', 20_000);
    await ax.type('entry', NAMES.message, 'How much does the lamp cost?');
    await page.keyboard.press('Enter');
    const chat = await fake.waitForRequest((r) => r.endpoint === 'chat' && r.outcome !== 'pending' && fake.requests.filter((q) => q.endpoint === 'chat').indexOf(r) >= before, 30_000);
    const messages = (chat.body as { messages: Array<{ role: string; content: string }> }).messages;
    const fact = 'The Lumen 3 costs 89 euros and ships from Lisbon within two working days.';
    expect(messages.filter((m) => m.content.includes(fact))).toHaveLength(1);
    expect(messages.at(-2)?.content).toMatch(/^\[Attached by the user: text from the web page "Lumen 3 review[^\n]*\n<<<parley-context [0-9a-f]{12}\n/);
    expect(messages.at(-2)?.content).not.toMatch(/SPONSORED|FIRST COMMENT/);
    expect(messages.at(-1)?.content).toBe('How much does the lamp cost?');
    await page.close();
  });

  it('options page: rejects an invalid relay URL without saving it; "Test connection" tells a wrong token from the right one', async () => {
    // The options page is a plain extension page (no shadow root): its own DOM is reachable.
    const page = await firefox.openExtensionPage('options.html');
    const bodyText = async () => normalise(await page.evaluate(() => document.body.innerText));
    const fill = async (selector: string, value: string) => {
      await page.evaluate((s) => {
        const input = document.querySelector<HTMLInputElement>(s);
        input?.focus();
        input?.select();
      }, selector);
      await page.keyboard.press('Backspace');
      await page.keyboard.type(value);
    };
    const storedRelayUrl = () =>
      page.evaluate(async () => {
        const api = (globalThis as unknown as { browser: { storage: { sync: { get(k: string): Promise<{ settings?: { relayUrl?: string } }> } } } }).browser;
        return (await api.storage.sync.get('settings')).settings?.relayUrl;
      });
    const clickButton = (label: RegExp) =>
      page.evaluate((source) => {
        const button = [...document.querySelectorAll('button')].find((b) => new RegExp(source, 'i').test(b.textContent ?? ''));
        if (!button) throw new Error(`no button ${source}`);
        button.click();
      }, label.source);

    await waitUntil('the options form', () => page.evaluate(() => document.querySelector('#relay-url') !== null || undefined));
    await fill('#relay-url', 'http//not a relay');
    await clickButton(/^save$/);
    const message = await waitUntil('an error next to the relay URL', () =>
      page.evaluate(() =>
        document.querySelector('#relay-url')?.getAttribute('aria-invalid') === 'true' ? document.querySelector('#relay-url-msg')?.textContent?.trim() || undefined : undefined,
      ),
    );
    expect(message).toMatch(/\S/);
    expect(await storedRelayUrl()).toBe(relay.wsUrl);

    await fill('#relay-url', relay.wsUrl);
    await fill('#token', 'definitely-not-the-token');
    await clickButton(/test connection/);
    await waitUntil('"wrong token"', async () => (/wrong token/i.test(await bodyText()) ? true : undefined));

    await fill('#token', relay.token);
    await clickButton(/test connection/);
    const connected = await waitUntil('"connected" with a round-trip time', async () => /\bconnected\b.{0,60}?\d+(\.\d+)?\s*ms/i.exec(await bodyText())?.[0], 15_000);
    expect(connected).not.toMatch(/wrong token/i);
    await page.close();
  });
});
