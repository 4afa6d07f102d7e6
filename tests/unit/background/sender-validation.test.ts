import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fakeBrowser } from 'wxt/testing/fake-browser';
import { parseContentMessage } from '../../../lib/background/content-message.ts';
import { contentScriptTabId, isExtensionPageSender } from '../../../lib/background/sender.ts';
import { isFromBackground } from '../../../lib/recorder/offscreen-sender.ts';
import { ORIGIN, RUNTIME_ID, TestPort, createHarness, settleHarnesses, tabSender } from './support/harness.ts';

describe('sender validation', () => {
  beforeEach(() => fakeBrowser.reset());
  afterEach(settleHarnesses);

  it('accepts only top-frame Parley content scripts with a tab as chat ports', async () => {
    const h = await createHarness();
    const refused = [
      new TestPort({ ...tabSender(1), id: 'another-extension' }),
      new TestPort({ ...tabSender(1), frameId: 3 }), // an iframe of the page
      new TestPort({ id: RUNTIME_ID, url: `${ORIGIN}popup.html` }), // no tab
      new TestPort({ ...tabSender(1), url: `${ORIGIN}options.html` }), // an extension page in a tab
      new TestPort(undefined),
    ];
    for (const port of refused) {
      expect(h.ports.accept(port)).toBeUndefined();
      expect(port.disconnected).toBe(true);
    }
    const wrongName = new TestPort(tabSender(1));
    wrongName.name = 'something-else';
    expect(h.ports.accept(wrongName)).toBeUndefined();
    expect(h.ports.tabIds()).toEqual([]);

    expect(h.ports.accept(new TestPort(tabSender(7)))).toBe(7);
  });

  it('ignores malformed chat messages instead of acting on them', async () => {
    const h = await createHarness();
    const tab = h.connect(1);
    tab.send({ type: 'send', text: 42 } as Record<string, unknown>);
    tab.send({ type: 'send', text: 'x'.repeat(40_000) });
    tab.send({ type: '__proto__' });
    tab.send({ type: 'toString' });
    expect(h.store.snapshot().entries).toEqual([]);
    expect(h.relay.sent).toEqual([]);
  });

  it('parses each valid chat message and rejects extra junk', () => {
    expect(parseContentMessage({ type: 'send', text: 'hi', evil: true })).toEqual({ type: 'send', text: 'hi' });
    expect(parseContentMessage({ type: 'retry', entryId: 'e1' })).toEqual({ type: 'retry', entryId: 'e1' });
    expect(parseContentMessage({ type: 'retry' })).toBeUndefined();
    expect(parseContentMessage('send')).toBeUndefined();
    expect(parseContentMessage(null)).toBeUndefined();
    expect(parseContentMessage([{ type: 'hello' }])).toBeUndefined();
  });

  it('takes runtime requests (status, test connection, recorder) only from Parley pages', () => {
    expect(isExtensionPageSender({ id: RUNTIME_ID, url: `${ORIGIN}options.html` }, RUNTIME_ID, ORIGIN)).toBe(true);
    expect(isExtensionPageSender({ id: RUNTIME_ID, url: `${ORIGIN}offscreen.html` }, RUNTIME_ID, ORIGIN)).toBe(true);
    // A Parley content script in a hostile page: same extension id, page URL.
    expect(isExtensionPageSender(tabSender(1), RUNTIME_ID, ORIGIN)).toBe(false);
    expect(isExtensionPageSender({ id: 'other', url: `chrome-extension://other/options.html` }, RUNTIME_ID, ORIGIN)).toBe(false);
    expect(isExtensionPageSender({ id: RUNTIME_ID }, RUNTIME_ID, ORIGIN)).toBe(false);
    expect(isExtensionPageSender(undefined, RUNTIME_ID, ORIGIN)).toBe(false);
  });

  it('lets the offscreen recorder obey only the background', () => {
    expect(isFromBackground({ id: RUNTIME_ID }, RUNTIME_ID)).toBe(true);
    expect(isFromBackground(tabSender(3), RUNTIME_ID)).toBe(false);
    expect(isFromBackground({ id: 'other' }, RUNTIME_ID)).toBe(false);
  });

  it('gives a content script port the tab id of its sender', () => {
    expect(contentScriptTabId(tabSender(9), RUNTIME_ID, ORIGIN)).toBe(9);
    expect(contentScriptTabId({ ...tabSender(9), tab: { id: -1 } }, RUNTIME_ID, ORIGIN)).toBeUndefined();
  });
});
