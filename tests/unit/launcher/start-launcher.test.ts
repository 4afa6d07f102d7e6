import { fakeBrowser } from 'wxt/testing/fake-browser';
import type { ContentScriptContext } from 'wxt/utils/content-script-context';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { startLauncher } from '../../../lib/launcher/start-launcher.ts';

/** The closed shadow roots the launcher attached (a test may see what a page cannot). */
function captureShadowRoots(): ShadowRoot[] {
  const roots: ShadowRoot[] = [];
  const original = Element.prototype.attachShadow;
  vi.spyOn(Element.prototype, 'attachShadow').mockImplementation(function (this: Element, init: ShadowRootInit) {
    const root = original.call(this, init);
    roots.push(root);
    return root;
  });
  return roots;
}

function fakeContext() {
  const invalidated: Array<() => void> = [];
  const ctx = { isInvalid: false, onInvalidated: (fn: () => void) => void invalidated.push(fn) } as unknown as ContentScriptContext;
  return { ctx, invalidate: () => invalidated.forEach((fn) => fn()) };
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 10));
const hosts = () => [...document.documentElement.children].filter((el) => el !== document.head && el !== document.body);

describe('startLauncher', () => {
  let roots: ShadowRoot[];
  let stop: () => void;

  beforeEach(() => {
    fakeBrowser.reset();
    roots = captureShadowRoots();
  });
  afterEach(() => {
    stop?.();
    vi.restoreAllMocks();
  });

  async function start() {
    const { ctx, invalidate } = fakeContext();
    startLauncher(ctx);
    stop = invalidate;
    await settle();
  }

  /** Delivers a runtime message as the browser would, resolving with what the launcher answers. */
  const send = (message: unknown, id = fakeBrowser.runtime.id) =>
    new Promise<unknown>((resolve) => {
      void fakeBrowser.runtime.onMessage.trigger(message, { id }, resolve);
      setTimeout(() => resolve(undefined), 20);
    });

  it('puts a bubble in a closed shadow root under <html>, with nothing on the host the page could read', async () => {
    await start();
    expect(hosts()).toHaveLength(1);
    const host = hosts()[0];
    expect(host?.attributes).toHaveLength(0);
    expect(host?.shadowRoot).toBeNull();
    expect(roots[0]?.mode).toBe('closed');
    expect(roots[0]?.querySelector('button')?.getAttribute('aria-label')).toBe('Open chat');
    expect(roots[0]?.querySelector('iframe')).toBeNull();
  });

  it('opens the panel frame on a toggle from Parley, and hides it on close', async () => {
    await start();
    await send({ type: 'parley:toggle' });
    const frame = roots[0]?.querySelector('iframe');
    expect(frame?.src).toContain('/chat.html');
    expect(frame?.hidden).toBe(false);
    expect(roots[0]?.querySelector('button')?.getAttribute('aria-label')).toBe('Close chat');
    await send({ type: 'parley:close' });
    expect(frame?.hidden).toBe(true);
    expect(roots[0]?.querySelector('button')?.getAttribute('aria-label')).toBe('Open chat');
  });

  it('ignores messages from anyone else, and malformed ones', async () => {
    await start();
    await send({ type: 'parley:toggle' }, 'another-extension');
    await send({ type: 'toggle' });
    await send('parley:toggle');
    expect(roots[0]?.querySelector('iframe')).toBeNull();
  });

  it('ignores clicks and keys the page dispatches at the bubble', async () => {
    await start();
    const button = roots[0]?.querySelector('button');
    button?.dispatchEvent(new MouseEvent('pointerenter'));
    button?.click();
    button?.dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter', bubbles: true }));
    hosts()[0]?.dispatchEvent(new MouseEvent('click', { bubbles: true, composed: true }));
    expect(roots[0]?.querySelector('iframe')).toBeNull();
    expect(button?.getAttribute('aria-label')).toBe('Open chat');
  });

  it('answers the popup with the page host, and shows nothing where the site is turned off', async () => {
    await start();
    expect(await send({ type: 'parley:page-host' })).toContain(location.hostname);
    await fakeBrowser.storage.sync.set({ settings: { siteMode: 'blocklist', siteList: [location.hostname] } });
    await settle();
    expect(hosts()).toHaveLength(0);
  });
});
