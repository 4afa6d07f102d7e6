// The same panel page as Chrome's side panel (`chat.html?mode=side`) shares the conversation
// with the panel framed into a page. Headless Chromium has no side panel UI to click, so the
// page is opened as the side panel would load it, in a tab of its own, next to a page's panel.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultAnswer } from '../fakes/fake-openai.ts';
import { normalise, waitUntil } from './support/ax.ts';
import { maybeUpdateDocsScreenshot, saveScreenshot } from './support/screenshots.ts';
import { startStack, type Stack } from './support/stack.ts';

describe('side panel (Chrome)', () => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('is declared, and shares one conversation with the panel in a page', async () => {
    const sw = await stack.browser.worker();
    const declared = await sw.evaluate(async () => ({
      manifest: chrome.runtime.getManifest() as chrome.runtime.ManifestV3 & { side_panel?: { default_path?: string } },
      options: await chrome.sidePanel.getOptions({}),
    }));
    expect(declared.manifest.side_panel?.default_path).toBe('chat.html?mode=side');
    expect(declared.manifest.permissions).toEqual(expect.arrayContaining(['sidePanel', 'contextMenus']));
    expect(declared.options.path).toBe('chat.html?mode=side');

    const { chat } = await stack.openPage('plain.html');
    await chat.open();

    const side = await stack.browser.context.newPage();
    await side.setViewportSize({ width: 400, height: 760 });
    await side.goto(stack.browser.extensionUrl('chat.html?mode=side'));
    const message = side.getByRole('textbox', { name: 'Message' });
    await message.fill('Asked from the side panel');
    await side.getByRole('button', { name: 'Send', exact: true }).click();
    const expected = defaultAnswer([{ role: 'user', content: 'Asked from the side panel' }]);
    const log = side.getByRole('log');
    await waitUntil('the answer in the side panel', async () => normalise(await log.innerText()).includes(normalise(expected)), 30_000);
    // The page's panel shows the same conversation, answer included.
    await chat.waitForLogText('Asked from the side panel');
    await chat.waitForLogText(expected, 30_000);

    const path = await saveScreenshot(side, 'side-panel-light');
    await maybeUpdateDocsScreenshot(path, 'side-panel.png');

    // And the other way round: what the page's panel asks shows in the side panel.
    await chat.send('Asked from the page');
    await waitUntil('the page question in the side panel', async () => normalise(await log.innerText()).includes('Asked from the page'), 30_000);
    // Its answer too (the question shows as soon as it is stored, before it goes to the relay).
    await waitUntil('its answer in the side panel', async () => (normalise(await log.innerText()).match(/Thanks for listening!/g) ?? []).length === 2, 30_000);
    expect(stack.fake.requests.filter((r) => r.endpoint === 'chat')).toHaveLength(2);
  });
});
