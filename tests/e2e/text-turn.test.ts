// Bar 1: a text turn streams into the panel and ends with exactly the fake's answer.
// Also saves the light and dark screenshots of the open panel mid-answer.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultAnswer } from '../fakes/fake-openai.ts';
import { normalise, waitUntil } from './support/ax.ts';
import { around, maybeUpdateDocsScreenshot, maybeUpdateReadmeScreenshot, saveScreenshot } from './support/screenshots.ts';
import { startStack, type Stack } from './support/stack.ts';
import { NAMES, union } from './support/chat.ts';

const WELCOME = 'Hello. How can I help you today?';
const QUESTION = 'What is the capital of France?';

describe('text turn (Chrome)', () => {
  let stack: Stack;

  beforeAll(async () => {
    // Slow enough tokens (~45 of them) that the answer is visibly partial for a few seconds.
    stack = await startStack({ fake: { latency: { firstTokenMs: 200, perTokenMs: 120 } } });
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('streams the answer into the chat and ends with the fake answer', async () => {
    const { page, chat } = await stack.openPage('plain.html');
    await page.emulateMedia({ colorScheme: 'light' });
    await chat.open();
    await chat.waitForLogText(WELCOME);

    await chat.send(QUESTION);
    await chat.waitForLogText(QUESTION);
    const expected = defaultAnswer([{ role: 'user', content: QUESTION }]);
    const firstSentence = expected.slice(0, expected.indexOf('.') + 1);
    const lastSentence = 'Thanks for listening!';

    // An intermediate state: the answer has started but not finished.
    const partial = await waitUntil(
      'a partially streamed answer',
      async () => {
        const text = await chat.logText();
        // Far enough in for a screenshot that shows streaming text, not yet finished.
        return text.includes(firstSentence) && text.includes('You asked:') && !text.includes(lastSentence) ? text : undefined;
      },
      30_000,
      50,
    );
    expect(partial).not.toContain(normalise(expected));

    // Screenshots of the open panel mid-answer, light then dark.
    const viewport = page.viewportSize() ?? { width: 1280, height: 800 };
    // The panel plus the launcher bubble below it (named "Close chat" while open).
    const boxes = [await chat.panelBox(), ...(await Promise.all((await chat.launcher.findAll('button', NAMES.close)).map((b) => chat.launcher.box(b))))];
    const clip = around(union(boxes), 16, viewport);
    const light = await saveScreenshot(page, 'panel-mid-answer-light', clip);
    await maybeUpdateDocsScreenshot(await saveScreenshot(page, 'page-mid-answer-light'), 'panel-on-page.png');
    await page.emulateMedia({ colorScheme: 'dark' });
    await saveScreenshot(page, 'panel-mid-answer-dark', clip);
    await page.emulateMedia({ colorScheme: 'light' });
    await maybeUpdateReadmeScreenshot(light);

    await chat.waitForLogText(expected, 60_000);
    const settled = await chat.waitForStableLog();
    // The answer appears exactly once, after the question, and one message holds exactly it.
    expect(settled.split(normalise(expected)).length - 1).toBe(1);
    expect(settled.indexOf(normalise(expected))).toBeGreaterThan(settled.indexOf(QUESTION));
    expect(await chat.findMessage(expected)).toBeDefined();

    const chats = stack.fake.requests.filter((r) => r.endpoint === 'chat');
    expect(chats).toHaveLength(1);
    expect(chats[0]?.outcome).toBe('completed');
    await saveScreenshot(page, 'panel-answered-light', clip);
  });
});
