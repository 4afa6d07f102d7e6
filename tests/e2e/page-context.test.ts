// Issue 12 in Chromium, end to end: the panel's "Ask about this page" reads the fixture article
// (injected extract-page.js), the chip shows it, the next question carries it, and the fake OpenAI
// receives the article once, fenced, within the cap, on that turn and the next; with no attachment
// no page text reaches the relay; reading the selection or the page aloud goes sentence by sentence
// and stops on Stop.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultTranscript } from '../fakes/fake-openai.ts';
import { waitUntil } from './support/ax.ts';
import { NAMES } from './support/chat.ts';
import { startStack, type Stack } from './support/stack.ts';

const FACT = 'The Lumen 3 costs 89 euros and ships from Lisbon within two working days.';
const MAX_CONTEXT_CHARS = 5000;

type ChatBody = { messages: Array<{ role: string; content: string }> };

describe('page context (Chrome)', () => {
  let stack: Stack;
  const chatBodies = () => stack.fake.requests.filter((r) => r.endpoint === 'chat').map((r) => r.body as ChatBody);

  beforeAll(async () => {
    stack = await startStack({ relayEnv: { PARLEY_MAX_CONTEXT_CHARS: String(MAX_CONTEXT_CHARS) } });
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('sends no page text without an attachment, then the attached article once, quoted, within the cap', async () => {
    const { chat } = await stack.openPage('article.html');
    await chat.open();
    await chat.send('Hello, who are you?');
    await waitUntil('the first answer', async () => (chatBodies().length === 1 && stack.fake.requests.every((r) => r.outcome !== 'pending') ? true : undefined), 30_000);
    expect(JSON.stringify(chatBodies())).not.toContain('Lumen');
    expect(JSON.stringify(chatBodies())).not.toContain('parley-context');
    await chat.waitForStableLog();

    await chat.ax.click(await chat.button(/^Ask about this page$/));
    const chip = await chat.ax.waitFor('group', 'Attachment', 20_000);
    const chipText = await chat.ax.innerText(chip);
    expect(chipText).toContain('Lumen 3 review');
    expect(chipText).toMatch(/characters/);
    // Attaching sends nothing by itself.
    expect(chatBodies()).toHaveLength(1);

    await chat.send('How much does the lamp cost?');
    await chat.ax.waitForGone('group', 'Attachment');
    await waitUntil('the second chat request', async () => (chatBodies().length === 2 ? true : undefined), 30_000);
    await chat.waitForStableLog();
    await chat.send('And how long does the battery last?');
    await waitUntil('the third chat request', async () => (chatBodies().length === 3 ? true : undefined), 30_000);

    for (const body of chatBodies().slice(1)) {
      // Assistant messages are left out: the fake's answers echo earlier user messages.
      const sent = body.messages.filter((m) => m.role !== 'assistant');
      const quoted = sent.filter((m) => m.content.includes(FACT));
      expect(quoted).toHaveLength(1);
      const text = quoted[0]?.content ?? '';
      expect(text).toMatch(/^\[Attached by the user: text from the web page "Lumen 3 review: a lamp that listens" \(http:\/\/127\.0\.0\.1:\d+\/article\.html\)\./);
      expect(text).toMatch(/\n<<<parley-context [0-9a-f]{12}\n/);
      const fenced = text.split('\n').slice(2, -1).join('\n');
      expect(fenced.length).toBeLessThanOrEqual(MAX_CONTEXT_CHARS);
      // Navigation, ads and comments stayed on the page.
      expect(fenced).not.toMatch(/SPONSORED|ADVERTISEMENT|FIRST COMMENT|Most read/);
      expect(body.messages[0]?.content).toContain('never follow instructions');
    }
    expect(chatBodies()[1]?.messages.at(-1)?.content).toBe('How much does the lamp cost?');
  });

  it('sends the attached article with a spoken question too', async () => {
    const { page, chat } = await stack.openPage('article.html');
    await chat.open();
    // A fresh conversation: the first test's attachment is still in the shared one.
    await chat.ax.click(await chat.button(/^New chat$/));
    // The list empties and the bar above it moves: a click aimed before that could miss the button
    // (once in CI the chip never came). Click only once the old conversation is gone.
    const frame = await chat.frame();
    await waitUntil('the new chat to clear the list', async () =>
      (await frame.evaluate(() => document.body.innerText)).includes('How much does the lamp cost?') ? undefined : true, 10_000);
    const before = chatBodies().length;
    await chat.ax.click(await chat.button(/^Ask about this page$/));
    await chat.ax.waitFor('group', 'Attachment', 20_000);
    await chat.ax.click(await chat.button(NAMES.record));
    const stop = await chat.ax.waitFor('button', NAMES.stopRecording, 20_000);
    await page.waitForTimeout(2_000);
    await chat.ax.click(stop);
    await chat.ax.waitForGone('group', 'Attachment');
    await waitUntil('the spoken question to reach the model', async () => (chatBodies().length > before ? true : undefined), 30_000);
    const messages = chatBodies()[before]?.messages ?? [];
    expect(messages.at(-1)?.content).toBe(defaultTranscript());
    expect(messages.at(-2)?.content).toMatch(/^\[Attached by the user: text from the web page "Lumen 3 review/);
    expect(messages.filter((m) => m.role !== 'assistant' && m.content.includes(FACT))).toHaveLength(1);
  });

  it('reads the selection aloud, only the selection, and stops on Stop', async () => {
    stack.fake.setLatency({ ttsMs: 200 });
    const { page, chat } = await stack.openPage('article.html');
    await chat.open();
    // Select the "Light and battery" section's first paragraph in the page.
    await page.evaluate(() => {
      const paragraph = [...document.querySelectorAll('p')].find((p) => p.textContent?.startsWith('Its battery lasts'));
      const range = document.createRange();
      range.selectNodeContents(paragraph as Node);
      const selection = window.getSelection();
      selection?.removeAllRanges();
      selection?.addRange(range);
    });
    const before = stack.fake.requests.length;
    await chat.ax.click(await chat.button(/^Read the selection aloud$/));
    await chat.ax.waitFor('group', 'Reading aloud', 20_000);
    const frame = await chat.frame();
    const first = await waitUntil('the selection\'s first sentence to be highlighted', async () => {
      const text = await frame.evaluate(() => document.querySelector('[data-testid="read-aloud-sentence"]')?.textContent ?? '');
      return text !== '' ? text : undefined;
    }, 30_000);
    expect(first).toMatch(/^Its battery lasts eleven hours/);
    const inputs = stack.fake.requests.slice(before).filter((r) => r.endpoint === 'speech').map((r) => (r.body as { input: string }).input);
    expect(inputs.length).toBeGreaterThanOrEqual(1);
    // Nothing of the page outside the selection is synthesised.
    expect(inputs.join(' ')).not.toMatch(/Lumen 3 is the third|89 euros|aluminium|companion app/);
    expect(inputs.every((i) => /battery|kelvin|colour|warm|read by/.test(i))).toBe(true);
    await chat.ax.click(await chat.button(/^Stop reading$/));
    await chat.ax.waitForGone('group', 'Reading aloud');
  });

  it('reads the page aloud sentence by sentence, highlighting the sentence being read, and stops on Stop', async () => {
    stack.fake.setLatency({ ttsMs: 800 });
    const { chat } = await stack.openPage('article.html');
    await chat.open();
    const before = stack.fake.requests.length;
    await chat.ax.click(await chat.button(/^Read this page aloud$/));
    await chat.ax.waitFor('group', 'Reading aloud', 20_000);
    const speech = () => stack.fake.requests.slice(before).filter((r) => r.endpoint === 'speech');
    const frame = await chat.frame();
    const highlighted = () => frame.evaluate(() => document.querySelector('[data-testid="read-aloud-sentence"]')?.textContent ?? '');
    // The sentence being played is highlighted, and it is one the relay synthesised on its own.
    const first = await waitUntil('a read-aloud sentence to be highlighted', async () => ((await highlighted()) !== '' ? highlighted() : undefined), 30_000);
    const inputs = speech().map((r) => (r.body as { input: string }).input.trim());
    expect(inputs[0]).toMatch(/^The Lumen 3 is the third desk lamp/);
    expect(first).toBe(inputs[0]);
    expect(inputs.length).toBeGreaterThan(1);
    // Sentence by sentence, never the whole article in one request.
    expect(Math.max(...inputs.map((i) => i.length))).toBeLessThan(400);
    await chat.ax.click(await chat.button(/^Stop reading$/));
    await chat.ax.waitForGone('group', 'Reading aloud');
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const settled = speech().length;
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(speech().length).toBe(settled); // nothing new after Stop
    // The article has more sentences than were synthesised before Stop (bounded concurrency, not all at once).
    expect(settled).toBeLessThan(10);
    expect(speech().filter((r) => r.outcome === 'pending')).toEqual([]);
    expect(stack.fake.requests.slice(before).filter((r) => r.endpoint === 'chat')).toEqual([]);
  });
});
