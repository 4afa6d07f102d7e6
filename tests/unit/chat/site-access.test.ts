// Issue 12: the panel asks the browser for one site, on the user's click, the first time a page
// there is attached or read, and then does that action again; a refusal reads nothing.
import { fakeBrowser } from 'wxt/testing/fake-browser';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createChatController, type ChatController } from '../../../lib/chat/chat-controller.svelte.ts';
import type { ContentToBackground } from '../../../lib/messages.ts';
import { hostOfSiteOrigin, isSiteAccessRequest, siteAccessRequest, siteOrigin } from '../../../lib/site-access.ts';
import { FakePort } from './support/fake-port.ts';

const SITE = siteAccessRequest('news.example');
const needsAccess = { type: 'attachment', preview: null, error: { code: 'NEEDS_SITE_ACCESS', message: 'Parley needs your permission to read pages on news.example.', site: SITE } } as const;

describe('asking for site access from the panel', () => {
  let port: FakePort;
  let controller: ChatController;
  let requests: string[][];
  let answer: () => Promise<boolean>;
  let activation: boolean;
  const sent = (): ContentToBackground[] => port.sent.filter((m) => m.type !== 'hello');

  beforeEach(async () => {
    fakeBrowser.reset();
    requests = [];
    answer = async () => true;
    activation = true;
    controller = createChatController({
      connect: () => (port = new FakePort()),
      onInvalidated: () => undefined,
      openOptions: () => undefined,
      close: () => undefined,
      requestSiteAccess: (origins) => {
        // Chrome's bindings refuse a Svelte state proxy; structuredClone refuses it too.
        requests.push(structuredClone(origins));
        return answer();
      },
      hasUserActivation: () => activation,
    });
    await controller.init();
    controller.actions.setOpen(true);
  });
  afterEach(() => controller.dispose());
  const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

  it('asks for that one site while the click still counts, then attaches again', async () => {
    controller.actions.attachPage();
    expect(sent()).toEqual([{ type: 'attachPage' }]);
    port.deliver(needsAccess);
    await settle();
    expect(requests).toEqual([['*://news.example/*']]);
    expect(sent()).toEqual([{ type: 'attachPage' }, { type: 'attachPage' }]);
    expect(controller.pageContext.siteAccess).toBeNull();
    expect(controller.pageContext.attaching).toBe(true);
    expect(controller.pageContext.error).toBeUndefined();
  });

  it('marks the offer as asking while the prompt is open, so "Allow" does not ask twice', async () => {
    let answerNow: (granted: boolean) => void = () => undefined;
    answer = () => new Promise<boolean>((resolve) => (answerNow = resolve));
    controller.actions.attachPage();
    port.deliver(needsAccess);
    expect(controller.pageContext.askingSite).toBe(true);
    answerNow(true);
    await settle();
    expect(controller.pageContext.askingSite).toBe(false);
    expect(requests).toHaveLength(1);
  });

  it('reads nothing when the user says no, and says so', async () => {
    answer = async () => false;
    controller.actions.attachSelection();
    port.deliver(needsAccess);
    await settle();
    expect(requests).toHaveLength(1);
    expect(sent()).toEqual([{ type: 'attachSelection' }]);
    expect(controller.pageContext.siteAccess).toBeNull();
    expect(controller.pageContext.error).toBe('Parley was not allowed to read news.example; nothing was read.');
  });

  it('without a live user action, offers "Allow" and asks only when it is clicked', async () => {
    activation = false;
    controller.actions.readPage();
    port.deliver({ type: 'readAloud', state: 'error', error: needsAccess.error });
    await settle();
    expect(requests).toEqual([]);
    expect(controller.pageContext.siteAccess).toEqual(SITE);
    expect(controller.pageContext.reading).toBe('idle');
    expect(controller.pageContext.error).toBeUndefined(); // the offer, not an error
    await controller.actions.allowSite();
    expect(requests).toEqual([['*://news.example/*']]);
    expect(sent()).toEqual([
      { type: 'readAloud', kind: 'page' },
      { type: 'readAloud', kind: 'page' },
    ]);
  });

  it('keeps the "Allow" button when the browser will not ask outside a click (Firefox)', async () => {
    answer = () => Promise.reject(new Error('permissions.request may only be called from a user input handler'));
    controller.actions.attachPage();
    port.deliver(needsAccess);
    await settle();
    expect(requests).toHaveLength(1);
    expect(controller.pageContext.siteAccess).toEqual(SITE);
    expect(controller.pageContext.error).toBeUndefined();
    expect(sent()).toEqual([{ type: 'attachPage' }]);
  });

  it('"Not now" drops the offer without asking', async () => {
    activation = false;
    controller.actions.attachPage();
    port.deliver(needsAccess);
    controller.actions.dismissSiteAccess();
    await controller.actions.allowSite();
    expect(requests).toEqual([]);
    expect(sent()).toEqual([{ type: 'attachPage' }]);
  });

  it('any other failure is shown as an error, with no offer and no request', async () => {
    controller.actions.attachPage();
    port.deliver({ type: 'attachment', preview: null, error: { code: 'SITE_DISABLED', message: 'Parley is turned off for news.example in its options, so this page cannot be attached.' } });
    await settle();
    expect(requests).toEqual([]);
    expect(controller.pageContext.siteAccess).toBeNull();
    expect(controller.pageContext.error).toMatch(/turned off for news\.example/);
  });
});

describe('asking in a window where the panel has no permissions API (Firefox\'s in-page frame)', () => {
  it('"Allow" asks the background for a window and does the action again once the window says yes', async () => {
    let port = new FakePort();
    const controller = createChatController({
      connect: () => (port = new FakePort()),
      onInvalidated: () => undefined,
      openOptions: () => undefined,
      close: () => undefined,
      hasUserActivation: () => true,
    });
    await controller.init();
    controller.actions.setOpen(true);
    controller.actions.attachPage();
    port.deliver(needsAccess);
    await new Promise((resolve) => setTimeout(resolve, 0));
    // No automatic ask: opening a window takes the user's own click on "Allow".
    expect(port.sent.filter((m) => m.type === 'requestSiteAccess')).toEqual([]);
    const allowed = controller.actions.allowSite();
    expect(port.sent.at(-1)).toEqual({ type: 'requestSiteAccess', host: 'news.example' });
    port.deliver({ type: 'siteAccess', host: 'news.example', granted: true });
    await allowed;
    expect(port.sent.at(-1)).toEqual({ type: 'attachPage' });
    expect(port.sent.filter((m) => m.type === 'attachPage')).toHaveLength(2);
    controller.dispose();
  });
});

describe('site patterns', () => {
  it('names one host, both schemes, any port', () => {
    expect(siteOrigin('127.0.0.1')).toBe('*://127.0.0.1/*');
    expect(hostOfSiteOrigin('*://news.example/*')).toBe('news.example');
    for (const other of ['<all_urls>', '*://*/*', 'https://news.example/*', '*://*.example/*']) expect(hostOfSiteOrigin(other)).toBeUndefined();
  });

  it('accepts only a one-site request from the background', () => {
    expect(isSiteAccessRequest(SITE)).toBe(true);
    expect(isSiteAccessRequest({ host: 'news.example', origins: ['<all_urls>'] })).toBe(false);
    expect(isSiteAccessRequest({ host: 'news.example', origins: ['*://news.example/*', '*://other.example/*'] })).toBe(false);
  });
});
