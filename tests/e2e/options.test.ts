// Bar 7: the options page validates input next to the field and does not save invalid
// values; "Test connection" tells a wrong token from a working one (with round-trip time).
/// <reference types="chrome" />
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Locator, Page } from 'playwright-core';
import type { ParleySettings } from '../../lib/settings.ts';
import { waitUntil } from './support/ax.ts';
import { startStack, type Stack } from './support/stack.ts';

interface Stored {
  settings: Partial<ParleySettings> | undefined;
  token: string | undefined;
}

describe('options page (Chrome)', () => {
  let stack: Stack;
  let page: Page;

  async function stored(): Promise<Stored> {
    const sw = await stack.browser.worker();
    return sw.evaluate(async () => {
      const sync = await chrome.storage.sync.get('settings');
      const local = await chrome.storage.local.get('token');
      return { settings: sync.settings as Partial<ParleySettings> | undefined, token: local.token as string | undefined };
    });
  }

  /** Saves through the page's Save button when it has one; otherwise leaving the field is the save. */
  async function save(): Promise<void> {
    const button = page.getByRole('button', { name: /^save/i });
    if ((await button.count()) > 0) await button.first().click();
    else await page.keyboard.press('Tab');
    // Give an async save time to land before storage is read.
    await page.waitForTimeout(700);
  }

  /** The visible error for a field: its accessible description, or an alert/error text laid out next to it. */
  async function fieldError(field: Locator): Promise<string> {
    const described = await field.evaluate((el) =>
      (el.getAttribute('aria-describedby') ?? '')
        .split(/\s+/)
        .map((id) => (id === '' ? '' : (document.getElementById(id)?.textContent ?? '')))
        .join(' ')
        .trim(),
    );
    const invalid = await field.getAttribute('aria-invalid');
    if (described !== '' && invalid === 'true') return described;
    const fieldBox = await field.boundingBox();
    if (fieldBox === null) return '';
    const candidates = page.locator('[role=alert], .error, [class*=error], [id*=error]');
    for (const candidate of await candidates.all()) {
      const text = (await candidate.innerText().catch(() => '')).trim();
      const box = await candidate.boundingBox();
      if (text === '' || box === null) continue;
      // "Next to the field": overlapping its column and within 80 px of it.
      const near = Math.abs(box.y - (fieldBox.y + fieldBox.height)) < 80 || Math.abs(fieldBox.y - (box.y + box.height)) < 80;
      if (near) return text;
    }
    return '';
  }

  beforeAll(async () => {
    stack = await startStack({ skipConfigure: true });
    page = await stack.browser.context.newPage();
    await page.goto(stack.browser.extensionUrl('options.html'));
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('rejects an invalid relay URL and an invalid model next to the field, without saving them', async () => {
    const before = await stored();
    const relayUrl = page.getByLabel(/relay url/i);
    await relayUrl.fill('http//not a relay');
    await save();
    expect(await waitUntil('a relay URL error next to the field', async () => (await fieldError(relayUrl)) || undefined, 5_000)).toMatch(/\S/);
    expect((await stored()).settings?.relayUrl).toBe(before.settings?.relayUrl);

    await relayUrl.fill(stack.relay.wsUrl);
    const model = page.getByLabel(/model/i).first();
    await model.fill('not a model!! <script>');
    await save();
    expect(await waitUntil('a model error next to the field', async () => (await fieldError(model)) || undefined, 5_000)).toMatch(/\S/);
    expect((await stored()).settings?.model ?? '').not.toContain('not a model');
  });

  it('"Test connection" reports a wrong token, then connected with a round-trip time', async () => {
    await page.reload();
    await page.getByLabel(/relay url/i).fill(stack.relay.wsUrl);
    const model = page.getByLabel(/model/i).first();
    await model.fill('');
    const token = page.getByLabel(/token/i).first();
    const test = page.getByRole('button', { name: /test connection/i });

    await token.fill('definitely-not-the-token');
    await test.click();
    await expectText(page, /wrong token/i);

    await token.fill(stack.relay.token);
    await test.click();
    const connected = await expectText(page, /\bconnected\b.{0,60}?\d+(\.\d+)?\s*ms/i);
    expect(connected).not.toMatch(/wrong token/i);

    await save();
    const after = await waitUntil('the valid settings to be stored', async () => {
      const s = await stored();
      return s.settings?.relayUrl === stack.relay.wsUrl && s.token === stack.relay.token ? s : undefined;
    }, 5_000);
    // The token is device-local, never in synced settings.
    expect(JSON.stringify(after.settings)).not.toContain(stack.relay.token);
  });
});

async function expectText(page: Page, pattern: RegExp): Promise<string> {
  return waitUntil(`the options page to show ${String(pattern)}`, async () => {
    const text = (await page.locator('body').innerText()).replace(/\s+/g, ' ');
    const match = pattern.exec(text);
    return match === null ? undefined : match[0];
  }, 15_000);
}
