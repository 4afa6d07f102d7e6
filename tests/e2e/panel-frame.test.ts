// The panel in its frame: Escape closes it and hands focus back to the page, reopening puts the
// cursor back in the message box, and it opens and works on a page whose CSP allows nothing
// (`default-src 'none'`) and on a page that replaces its <body>.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitUntil } from './support/ax.ts';
import { NAMES } from './support/chat.ts';
import { startStack, type Stack } from './support/stack.ts';

declare global {
  interface Window {
    __pageKeys?: string[];
    replaceBody(): number;
  }
}

describe('the panel frame (Chrome)', () => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('Escape closes the panel and returns focus to the page; reopening focuses the message box', async () => {
    const { page, chat } = await stack.openPage('replace-body.html');
    await chat.open();
    await page.keyboard.type('draft');
    expect(await page.evaluate(() => window.__pageKeys), 'keys typed into the panel reach the page').toEqual([]);
    const input = await chat.input();
    expect(await chat.ax.evaluateOn<string>(input, 'function () { return this.value; }')).toBe('draft');

    await page.keyboard.press('Escape');
    await chat.launcher.waitFor('button', NAMES.open, 5_000);
    expect(await chat.isOpen()).toBe(false);
    // Focus is on the page again: its own key listener sees the next key.
    await page.keyboard.press('k');
    expect(await page.evaluate(() => window.__pageKeys)).toEqual(['k']);

    await chat.launcher.click(await chat.launcher.waitFor('button', NAMES.open));
    await waitUntil('the panel to reopen', () => chat.isOpen(), 5_000);
    // Keys go where focus is: wait until the message box has it (the panel page moves it there on its
    // frame's focus event), or a fast typist's first keys race the reopening.
    await waitUntil(
      'the reopened panel to focus its message box',
      async () => chat.ax.evaluateOn<boolean>(await chat.input(), 'function () { return document.hasFocus() && document.activeElement === this; }'),
      5_000,
    );
    await page.keyboard.type(' more');
    await waitUntil(
      'the reopened panel to take the typing',
      async () => (await chat.ax.evaluateOn<string>(await chat.input(), 'function () { return this.value; }')) === 'draft more',
      5_000,
    );
    expect(await page.evaluate(() => window.__pageKeys)).toEqual(['k']);
  });

  it('opens and closes from the keyboard shortcut path, the cursor in the message box', async () => {
    const { page, chat } = await stack.openPage('replace-body.html');
    await page.bringToFront();
    await chat.launcher.waitFor('button', NAMES.open, 20_000);
    // What the toggle-chat command does (headless Chromium has no way to press a command):
    // the background messages the launcher of the active tab's top frame.
    const toggle = async () => {
      const sw = await stack.browser.worker();
      return sw.evaluate(async () => {
        const [tab] = await chrome.tabs.query({ active: true, lastFocusedWindow: true });
        return tab?.id === undefined ? 'no tab' : chrome.tabs.sendMessage(tab.id, { type: 'parley:toggle' }, { frameId: 0 });
      });
    };
    expect(await toggle()).toBe(true);
    await waitUntil('the panel to open', () => chat.isOpen(), 10_000);
    await chat.input();
    await page.keyboard.type('typed after the shortcut');
    await waitUntil(
      'the message box to take the typing',
      // The draft of an earlier test may precede it (drafts are kept across pages).
      async () => (await chat.ax.evaluateOn<string>(await chat.input(), 'function () { return this.value; }')).endsWith('typed after the shortcut'),
      5_000,
    );
    expect(await page.evaluate(() => window.__pageKeys)).toEqual([]);
    expect(await toggle()).toBe(true);
    await chat.launcher.waitFor('button', NAMES.open, 5_000);
  });

  it('does not start the microphone from a click on a panel the page has covered', async () => {
    const { page, chat } = await stack.openPage('plain.html');
    await chat.open();
    // A nearly transparent layer over everything that lets clicks through: the user sees the
    // page's content, not the panel, yet a click would land on the panel's mic button.
    await page.evaluate(() => {
      const veil = document.createElement('div');
      veil.id = 'veil';
      veil.style.cssText = 'position:fixed;inset:0;z-index:2147483647;pointer-events:none;background:rgba(255,255,255,0.02)';
      document.documentElement.append(veil);
    });
    await page.waitForTimeout(400);
    await chat.ax.click(await chat.button(NAMES.record));
    await page.waitForTimeout(1_000);
    expect(await chat.ax.find('button', NAMES.stopRecording), 'recording started under a covering layer').toBeUndefined();
    const sw = await stack.browser.worker();
    const recorders = () => sw.evaluate(async () => (await chrome.runtime.getContexts({ contextTypes: ['OFFSCREEN_DOCUMENT' as chrome.runtime.ContextType] })).length);
    expect(await recorders()).toBe(0);

    // Uncovered, the same click records.
    await page.evaluate(() => document.getElementById('veil')?.remove());
    await page.waitForTimeout(400);
    await chat.ax.click(await chat.button(NAMES.record));
    await chat.ax.waitFor('button', NAMES.stopRecording, 20_000);
    await page.keyboard.press('Escape');
    await chat.ax.waitFor('button', NAMES.record, 10_000);
  });

  it('keeps working on a page that replaces its body while the panel is open', async () => {
    const { page, chat } = await stack.openPage('replace-body.html');
    await chat.open();
    expect(await page.evaluate(() => window.replaceBody())).toBeGreaterThanOrEqual(2);
    await chat.send('Still here after the body changed?');
    await chat.waitForLogText('Thanks for listening!', 30_000);
    expect(await page.evaluate(() => window.replaceBody())).toBeGreaterThanOrEqual(3);
    expect(await chat.isOpen()).toBe(true);
    expect(await page.evaluate(() => document.body.innerText)).not.toContain('Thanks for listening');
  });

  it("opens and works on a page whose CSP is default-src 'none'", async () => {
    const { page, chat } = await stack.openPage('csp-none.html');
    const response = await page.reload();
    expect(response?.headers()['content-security-policy']).toBe("default-src 'none'");
    await chat.open();
    const box = await chat.panelBox();
    expect(box.width).toBeGreaterThanOrEqual(300);
    expect(box.height).toBeGreaterThanOrEqual(400);
    await chat.send('Does a strict CSP stop you?');
    await chat.waitForLogText('You asked: "Does a strict CSP stop you?".', 30_000);
  });
});
