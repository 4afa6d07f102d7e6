// Bar 4: the conversation survives a stopped service worker and a killed relay.
// Playwright keeps the extension's worker alive by itself, so the stop is forced via CDP.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { defaultAnswer } from '../fakes/fake-openai.ts';
import { normalise, waitUntil } from './support/ax.ts';
import { NAMES } from './support/chat.ts';
import { startStack, type Stack } from './support/stack.ts';

const Q1 = 'What is the capital of France?';
const Q2 = 'Does the worker remember me?';
const Q3 = 'I typed this while the relay was down.';

function user(...contents: string[]): { role: string; content: string }[] {
  return contents.map((content) => ({ role: 'user', content }));
}

/** Text of the toolbar popup, opened as a tab (a real popup cannot be opened by a test). */
async function popupText(popup: Page): Promise<string> {
  return normalise(await popup.locator('body').innerText());
}

describe('resilience (Chrome)', () => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('survives a stopped service worker and a killed relay without losing context or typed text', async () => {
    const { page, chat } = await stack.openPage('plain.html');
    await chat.open();
    await chat.send(Q1);
    await chat.waitForLogText(defaultAnswer(user(Q1)), 30_000);

    // 1. The service worker is stopped mid-conversation; the next turn still works, with context.
    // Resolves only once the worker reports "stopped" (its relay socket goes with it).
    await stack.browser.stopServiceWorker(page);
    await page.waitForTimeout(1_000);
    await chat.send(Q2);
    await chat.waitForLogText(defaultAnswer(user(Q1, Q2)), 45_000);

    // 2. The relay dies. The toolbar popup says it is reconnecting.
    await stack.relay.stop('SIGKILL');
    const popup = await stack.browser.context.newPage();
    await popup.goto(stack.browser.extensionUrl('popup.html'));
    await waitUntil('the popup to report reconnecting', async () => /reconnecting/i.test(await popupText(popup)), 30_000);
    const chatsBefore = stack.fake.requests.filter((r) => r.endpoint === 'chat').length;

    // The chat panel's own status line says so too (issue 4 calls the panel "the popup").
    await page.bringToFront();
    await waitUntil(
      'the chat panel status line to report reconnecting',
      async () => {
        for (const status of await chat.ax.findAll('status')) {
          if (/reconnecting/i.test(await chat.ax.innerText(status))) return true;
        }
        return undefined;
      },
      30_000,
    );

    // 3. The user types and sends while it is down: the text must not be lost.
    await chat.send(Q3);
    await chat.waitForLogText(Q3, 10_000);
    expect(stack.fake.requests.filter((r) => r.endpoint === 'chat')).toHaveLength(chatsBefore);

    // 4. The relay comes back (same port, history gone from its memory).
    await stack.relay.restart();
    await popup.reload();
    await waitUntil('the popup to report connected', async () => {
      const text = await popupText(popup);
      return /\bconnected\b/i.test(text) && !/reconnecting|not connected/i.test(text);
    }, 45_000);
    await popup.close();

    // The pending message is resent on its own, or offered with a Retry button (either is allowed by the spec).
    const expected = defaultAnswer(user(Q1, Q2, Q3));
    const answered = await waitUntil(
      'the message typed while down to be answered or offered for retry',
      async () => {
        const text = await chat.logText();
        if (text.includes(normalise(expected))) return 'answered';
        const retry = await chat.ax.find('button', NAMES.retry);
        if (retry !== undefined) {
          await chat.ax.click(retry);
          return 'retried';
        }
        return undefined;
      },
      45_000,
    );
    if (answered === 'retried') await chat.waitForLogText(expected, 30_000);

    // The answer quotes the previous user message and counts three user turns: the restarted
    // relay got the earlier context back from the extension.
    const final = await chat.waitForStableLog();
    expect(final).toContain(normalise(expected));
    expect(final).toContain(`Earlier you asked: "${Q2}".`);
    expect(final).toContain('This is user turn 3 of our conversation.');
    // The text typed while down appears as a user message exactly once (not duplicated by the resend).
    expect(final.split(Q3).length - 1).toBe(expected.split(Q3).length);
  });
});
