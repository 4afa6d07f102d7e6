// Bar 8: on a page whose CSS flattens everything (`* { all: unset !important }`, a 5 px
// root font, maximal z-indexes) under a strict CSP, the panel still renders at a usable
// size with readable text, works, and page hotkeys never see keys typed into it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitUntil } from './support/ax.ts';
import { saveScreenshot } from './support/screenshots.ts';
import { startStack, type Stack } from './support/stack.ts';

declare global {
  interface Window {
    __pageKeys?: string[];
  }
}

describe('hostile CSS page (Chrome)', () => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('renders a usable panel, readable text, and keeps typed keys from the page', async () => {
    const { page, chat } = await stack.openPage('hostile.html');
    // The page's own script ran (its nonce matched the CSP), so its hotkey listeners are live.
    expect(await page.evaluate(() => Array.isArray(window.__pageKeys))).toBe(true);
    await chat.open();

    const panel = await chat.panelBox();
    expect(panel.width).toBeGreaterThanOrEqual(300);
    expect(panel.height).toBeGreaterThanOrEqual(400);
    const viewport = page.viewportSize() ?? { width: 1280, height: 800 };
    expect(panel.x).toBeGreaterThanOrEqual(0);
    expect(panel.y).toBeGreaterThanOrEqual(0);
    expect(panel.x + panel.width).toBeLessThanOrEqual(viewport.width);
    expect(panel.y + panel.height).toBeLessThanOrEqual(viewport.height);

    const input = await chat.input();
    const inputBox = await chat.ax.box(input);
    expect(inputBox.height).toBeGreaterThanOrEqual(24);
    expect(inputBox.width).toBeGreaterThanOrEqual(150);
    const fontSize = await chat.ax.evaluateOn<number>(input, 'function () { return parseFloat(getComputedStyle(this).fontSize); }');
    expect(fontSize, 'input font size in px').toBeGreaterThanOrEqual(12);
    const sendBox = await chat.ax.box(await chat.button(/^send$/i));
    expect(Math.min(sendBox.width, sendBox.height)).toBeGreaterThanOrEqual(24);

    // Real key events, one by one, into the chat input (clicking it first proves it is on top).
    await page.evaluate(() => {
      window.__pageKeys = [];
    });
    const question = 'Does s / k and ? reach the page';
    await chat.ax.type(input, question);
    await page.keyboard.press('Shift+Enter');
    await page.keyboard.type('second line');
    expect(await page.evaluate(() => window.__pageKeys)).toEqual([]);

    await page.keyboard.press('Enter');
    await chat.waitForLogText('Thanks for listening!', 30_000);
    expect(await chat.logText()).toContain('second line');
    expect(await page.evaluate(() => window.__pageKeys)).toEqual([]);

    const messageFont = await chat.ax.evaluateOn<number>(await chat.log(), 'function () { return parseFloat(getComputedStyle(this).fontSize); }');
    expect(messageFont, 'message list font size in px').toBeGreaterThanOrEqual(12);

    // The panel is on top of the page's maximal-z-index banner: hit testing at the header's
    // "New chat" button lands on Parley's host, not on the page; clicking it clears the chat.
    const newChat = await chat.button(/^new chat$/i);
    const newChatBox = await chat.ax.box(newChat);
    const hit = await page.evaluate(
      ([x, y]) => document.elementFromPoint(x, y)?.tagName.toLowerCase() ?? '',
      [newChatBox.x + newChatBox.width / 2, newChatBox.y + newChatBox.height / 2] as const,
    );
    expect(hit).toContain('-');
    await saveScreenshot(page, 'hostile-page-light');
    await chat.ax.click(newChat);
    await waitUntil('New chat to clear the conversation', async () => !(await chat.logText()).includes('second line'), 10_000);
    await page.emulateMedia({ colorScheme: 'dark' });
    await saveScreenshot(page, 'hostile-page-dark');
  });
});
