// Bar 6: a script of the host page cannot read the chat through the DOM, and cannot
// make the extension send anything to the relay.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type Stack } from './support/stack.ts';

const SECRET = 'zebra-secret-4242';

interface PageProbe {
  bodyInnerText: string;
  bodyTextContent: string;
  outerHtml: string;
  hosts: { tag: string; shadowRootVisible: boolean; text: string; html: string }[];
  anyOpenShadowText: string;
}

describe('host page isolation (Chrome)', () => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('keeps the chat text away from page scripts', async () => {
    const { page, chat } = await stack.openPage('plain.html');
    await chat.open();
    await chat.send(`Please remember ${SECRET}.`);
    await chat.waitForLogText('Thanks for listening!', 30_000);
    expect(await chat.logText()).toContain(SECRET);

    const probe = await page.evaluate((): PageProbe => {
      const all = [...document.querySelectorAll('*')];
      // Anything the page did not write itself: custom elements (WXT's host) and any shadow host.
      const hosts = all.filter((el) => el.tagName.includes('-') || el.shadowRoot !== null);
      const openText = all.map((el) => el.shadowRoot?.textContent ?? '').join(' ');
      return {
        bodyInnerText: document.body.innerText,
        bodyTextContent: document.documentElement.textContent ?? '',
        outerHtml: document.documentElement.getHTML({ serializableShadowRoots: true }),
        hosts: hosts.map((el) => ({
          tag: el.tagName.toLowerCase(),
          shadowRootVisible: el.shadowRoot !== null,
          text: (el.textContent ?? '') + ((el as HTMLElement).innerText ?? ''),
          html: el.getHTML({ serializableShadowRoots: true }),
        })),
        anyOpenShadowText: openText,
      };
    });
    expect(probe.hosts.length, 'the chat host element is in the page DOM').toBeGreaterThan(0);
    for (const text of [probe.bodyInnerText, probe.bodyTextContent, probe.outerHtml, probe.anyOpenShadowText]) {
      expect(text).not.toContain(SECRET);
      expect(text).not.toContain('Thanks for listening!');
    }
    for (const host of probe.hosts) {
      expect(host.shadowRootVisible, `<${host.tag}>.shadowRoot must be null (closed root)`).toBe(false);
      expect(host.text).not.toContain(SECRET);
      expect(host.html).not.toContain(SECRET);
    }
  });

  it('cannot make the extension talk to the relay', async () => {
    const { page, chat } = await stack.openPage('plain.html');
    await chat.open();
    const chatsBefore = stack.fake.requests.filter((r) => r.endpoint === 'chat').length;
    const framesProbe = await page.evaluate(async (extensionId) => {
      const attempts: string[] = [];
      const payloads: unknown[] = [
        { type: 'send', text: 'pwned via postMessage' },
        { type: 'parley:send', text: 'pwned via postMessage' },
        { name: 'parley:chat', message: { type: 'send', text: 'pwned via postMessage' } },
        { id: 1, type: 'testConnection', data: { relayUrl: 'ws://127.0.0.1:1', token: 'x' } },
        JSON.stringify({ type: 'send', text: 'pwned via postMessage' }),
      ];
      for (const payload of payloads) {
        window.postMessage(payload, '*');
        window.postMessage({ source: 'parley', ...(typeof payload === 'object' ? payload : { payload }) }, '*');
      }
      const runtime = (globalThis as { chrome?: { runtime?: { sendMessage?: (...args: unknown[]) => unknown; connect?: (...args: unknown[]) => unknown } } })
        .chrome?.runtime;
      attempts.push(`chrome.runtime is ${runtime === undefined ? 'undefined' : 'defined'}`);
      try {
        await runtime?.sendMessage?.(extensionId, { type: 'send', text: 'pwned via runtime' });
        attempts.push('sendMessage did not throw');
      } catch (error) {
        attempts.push(`sendMessage threw ${String(error)}`);
      }
      try {
        runtime?.connect?.(extensionId, { name: 'parley:chat' });
        attempts.push('connect did not throw');
      } catch (error) {
        attempts.push(`connect threw ${String(error)}`);
      }
      const hosts = [...document.querySelectorAll('*')].filter((el) => el.tagName.includes('-'));
      for (const host of hosts) {
        host.dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter', bubbles: true, composed: true }));
        host.dispatchEvent(new MouseEvent('click', { bubbles: true, composed: true }));
        host.dispatchEvent(new CustomEvent('parley:send', { detail: { text: 'pwned via event' }, bubbles: true, composed: true }));
        host.dispatchEvent(new InputEvent('input', { data: 'pwned via event', bubbles: true, composed: true }));
      }
      document.dispatchEvent(new CustomEvent('parley:send', { detail: { text: 'pwned via event' } }));
      return attempts;
    }, stack.browser.extensionId);
    expect(framesProbe[0]).toMatch(/chrome\.runtime is/);

    await page.waitForTimeout(2_000);
    expect(stack.fake.requests.filter((r) => r.endpoint === 'chat')).toHaveLength(chatsBefore);
    expect(await chat.logText()).not.toContain('pwned');
    // The panel still works for the user afterwards.
    await chat.send('Still there?');
    await chat.waitForLogText('You asked: "Still there?".', 30_000);
  });
});
