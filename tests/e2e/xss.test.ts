// Bar 5: a model reply carrying HTML and a javascript: link executes nothing and is
// shown as text (sanitised markdown), in a page with no CSP to hide mistakes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Dialog } from 'playwright-core';
import { waitUntil } from './support/ax.ts';
import { startStack, type Stack } from './support/stack.ts';

const HOSTILE_ANSWER = [
  'Here is the tricky reply.',
  '',
  '<img src=x onerror="window.__pwned=1;alert(1)">',
  '',
  '<script>window.__pwned=2;alert(2)</script>',
  '',
  'A [click](javascript:window.__pwned=3;alert(3)) link and a [safe docs link](https://example.com/docs).',
  '',
  '<a href="javascript:window.__pwned=4">raw anchor</a> <svg onload="window.__pwned=5"></svg> <iframe src="javascript:parent.__pwned=6"></iframe>',
  '',
  'End of the tricky reply.',
].join('\n');

declare global {
  interface Window {
    __pwned?: number;
  }
}

describe('XSS in model replies (Chrome)', () => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await startStack({ fake: { answer: () => HOSTILE_ANSWER } });
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('renders hostile markdown without executing anything', async () => {
    const { page, chat } = await stack.openPage('plain.html');
    const dialogs: string[] = [];
    page.on('dialog', (dialog: Dialog) => {
      dialogs.push(dialog.message());
      // Dismiss so a dialog cannot block the page; the recorded message fails the test below.
      void dialog.dismiss();
    });
    await chat.open();
    await chat.send('Show me something tricky.');
    await chat.waitForLogText('End of the tricky reply.', 30_000);
    const text = await chat.waitForStableLog();
    expect(text).toContain('Here is the tricky reply.');

    // Give any onerror/onload handler time to fire (the img src "x" fails at once).
    await page.waitForTimeout(1_000);
    expect(await page.evaluate(() => window.__pwned)).toBeUndefined();

    // Links: a javascript: URL must not survive as a live href; click whatever is there.
    const links = await chat.ax.findAll('link');
    const inLog = links.filter((l) => /click|safe docs link|raw anchor/i.test(l.name));
    for (const link of inLog) {
      const href = await chat.ax.evaluateOn<string | null>(link, 'function () { return this.getAttribute("href"); }');
      expect(href ?? '').not.toMatch(/^\s*javascript:/i);
    }
    const safe = inLog.find((l) => /safe docs link/i.test(l.name));
    expect(safe, 'the https link is rendered as a link').toBeDefined();
    if (safe !== undefined) {
      const attrs = await chat.ax.evaluateOn<{ target: string | null; rel: string | null }>(
        safe,
        'function () { return { target: this.getAttribute("target"), rel: this.getAttribute("rel") }; }',
      );
      expect(attrs.target).toBe('_blank');
      expect(attrs.rel ?? '').toMatch(/noopener/);
    }
    const click = inLog.find((l) => /^click$/i.test(l.name));
    if (click !== undefined) {
      await chat.ax.click(click);
      await page.waitForTimeout(500);
    }
    const raw = inLog.find((l) => /raw anchor/i.test(l.name));
    if (raw !== undefined) {
      await chat.ax.click(raw);
      await page.waitForTimeout(500);
    }

    // No new tab may have opened onto a javascript: URL either.
    const pwnedAnywhere = await waitUntil('all pages to answer', async () =>
      Promise.all(stack.browser.context.pages().map((p) => p.evaluate(() => window.__pwned).catch(() => undefined))),
    );
    expect(pwnedAnywhere.every((value) => value === undefined)).toBe(true);
    expect(await page.evaluate(() => window.__pwned)).toBeUndefined();
    expect(dialogs).toEqual([]);
    // Still on the same page (a javascript: navigation or a click-through did not replace it).
    expect(page.url()).toBe(stack.pages.url('plain.html'));
  });
});
