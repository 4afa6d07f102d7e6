// The Bar of issue 9: a page whose script runs before the content script, listens to every
// key, input, composition and clipboard event in the capture phase on window and document,
// records every element added, takes over custom element names seen on an earlier visit (and
// any it sees added), dispatches synthetic input at the launcher, and tries to read frames.
// It learns nothing of what is typed or answered and cannot send a message or start a recording.
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitUntil } from './support/ax.ts';
import { NAMES, openChatPanel, PANEL_PATH } from './support/chat.ts';
import { startStack, type Stack } from './support/stack.ts';

const SECRET = 'walrus-7781';

interface SpyEvent {
  where: string;
  type: string;
  key?: string;
  data?: string | null;
  clipboard?: string;
  selection: string;
  trusted: boolean;
}

interface Spy {
  events: SpyEvent[];
  added: { name: string; attributes: string[] }[];
  upgraded: string[];
  internalsRoots: { name: string; html: string }[];
  predefined: string[];
  messages: { origin: string; data: string }[];
  probe(): string;
  attack(): number;
}

declare global {
  interface Window {
    __spy: Spy;
  }
}

const read = <T>(page: Page, fn: string): Promise<T> => page.evaluate(`(() => { const spy = window.__spy; return ${fn}; })()`) as Promise<T>;
const hasPanelFrame = (page: Page) => page.frames().some((frame) => /^(chrome|moz)-extension:/.test(frame.url()) && frame.url().includes(PANEL_PATH));

describe('a spying, attacking page (Chrome)', () => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('learns nothing of the chat and cannot drive it', async () => {
    // First visit: the page sees the launcher's host element and remembers its name.
    const first = await stack.openPage('spy.html');
    await first.chat.launcher.waitFor('button', NAMES.open, 20_000);
    const firstNames = await read<string[]>(first.page, 'spy.added.map((a) => a.name).filter((n) => n.includes("-"))');
    expect(firstNames.length, 'the page saw a custom-named host element').toBeGreaterThan(0);
    await first.page.close();

    // Second visit: those names are defined before the launcher runs; the new host is taken over on sight.
    const page = await stack.browser.context.newPage();
    await page.goto(stack.pages.url('spy.html'));
    const chat = await openChatPanel(page);
    await chat.launcher.waitFor('button', NAMES.open, 20_000);
    expect(await read<string[]>(page, 'spy.predefined')).toEqual(expect.arrayContaining(firstNames));
    await waitUntil('the page to upgrade the new host with its own class', async () => (await read<string[]>(page, 'spy.upgraded')).length > 0, 5_000);

    // Synthetic clicks and keys at the launcher open nothing (not even the preloaded frame).
    expect(await read<number>(page, 'spy.attack()')).toBeGreaterThan(0);
    await page.waitForTimeout(500);
    expect(await chat.isOpen()).toBe(false);
    expect(hasPanelFrame(page)).toBe(false);

    // The user opens the chat and types: keys, a new line, select-all and copy, inserted text.
    await chat.open();
    const input = await chat.input();
    await chat.ax.type(input, `Please remember ${SECRET}`);
    await page.keyboard.press('Shift+Enter');
    await page.keyboard.insertText('and this line');
    await page.keyboard.press('Control+A');
    await page.keyboard.press('Control+C');
    await page.keyboard.press('End');
    await page.keyboard.press('Enter');
    await chat.waitForLogText('Thanks for listening!', 30_000);
    expect(await chat.logText()).toContain(SECRET);

    const events = await read<SpyEvent[]>(page, 'spy.events');
    // The page's own synthetic events are untrusted; anything trusted came from a real keyboard.
    const leaked = events.filter((event) => event.trusted && event.type !== 'selectionchange');
    expect(leaked, 'key/input/composition/clipboard events the page saw').toEqual([]);
    expect(events.filter((event) => event.trusted).length, 'the page saw no trusted key or input event at all').toBeLessThanOrEqual(
      events.filter((event) => event.trusted && event.type === 'selectionchange').length,
    );
    expect(JSON.stringify(events)).not.toContain('walrus');

    // While the panel is open, the page attacks again and reads everything it can.
    const chatsBefore = stack.fake.requests.filter((r) => r.endpoint === 'chat').length;
    await read<number>(page, 'spy.attack()');
    const probe = await read<string>(page, 'spy.probe()');
    // A frame inside a shadow tree is not among window.frames: the page has no WindowProxy to read or message.
    expect(probe).toContain('frames=0');
    expect(probe).toContain('iframes in light DOM=0');
    expect(probe).toContain('shadowRoot=null');
    expect(probe).not.toContain(SECRET);
    expect(probe).not.toContain('Thanks for listening');
    expect(probe).not.toContain('Please remember');
    expect(await read<unknown[]>(page, 'spy.internalsRoots'), 'shadow roots handed to the page by attachInternals').toEqual([]);
    const added = await read<{ name: string; attributes: string[] }[]>(page, 'spy.added');
    expect(JSON.stringify(added)).not.toContain(SECRET);
    expect(JSON.stringify(await read<unknown[]>(page, 'spy.messages'))).not.toContain(SECRET);

    await page.waitForTimeout(2_000);
    expect(stack.fake.requests.filter((r) => r.endpoint === 'chat'), 'chat requests after the attacks').toHaveLength(chatsBefore);
    expect(stack.fake.requests.filter((r) => r.endpoint === 'transcription'), 'recordings transcribed').toHaveLength(0);
    const sw = await stack.browser.worker();
    const offscreen = await sw.evaluate(async () => (await chrome.runtime.getContexts({ contextTypes: ['OFFSCREEN_DOCUMENT' as chrome.runtime.ContextType] })).length);
    expect(offscreen, 'an offscreen recorder was started').toBe(0);
    expect(await chat.logText()).not.toContain('pwned');

    // The chat still works for the user.
    await chat.send('Still there?');
    await chat.waitForLogText('You asked: "Still there?".', 30_000);
  });
});
