import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fakeBrowser } from 'wxt/testing/fake-browser';
import { parseContentMessage } from '../../../lib/background/content-message.ts';
import { isExtensionPageSender, isPanelSender, panelTabId } from '../../../lib/background/sender.ts';
import { isFromBackground } from '../../../lib/recorder/offscreen-sender.ts';
import { ORIGIN, RUNTIME_ID, TestPort, createHarness, panelSender, settleHarnesses, tabSender } from './support/harness.ts';

describe('sender validation', () => {
  beforeEach(() => fakeBrowser.reset());
  afterEach(settleHarnesses);

  it('accepts chat ports only from the Parley chat panel page', async () => {
    const h = await createHarness();
    const refused = [
      new TestPort({ ...panelSender(1), id: 'another-extension' }),
      new TestPort(tabSender(1)), // the content script of a (hostile) page
      new TestPort({ ...tabSender(1), url: 'https://evil.example/chat.html' }), // a page named like the panel
      new TestPort({ ...panelSender(1), url: 'chrome-extension://other-id/chat.html', id: 'other-id' }), // another extension's panel
      new TestPort({ id: RUNTIME_ID, url: `${ORIGIN}popup.html` }), // another Parley page
      new TestPort({ ...tabSender(1), url: `${ORIGIN}options.html` }), // an extension page in a tab
      new TestPort({ ...panelSender(1), url: 'not a url' }),
      new TestPort(undefined),
    ];
    for (const port of refused) {
      expect(h.ports.accept(port)).toBeUndefined();
      expect(port.disconnected).toBe(true);
    }
    const wrongName = new TestPort(panelSender(1));
    wrongName.name = 'something-else';
    expect(h.ports.accept(wrongName)).toBeUndefined();
    expect(h.ports.tabIds()).toEqual([]);

    expect(h.ports.accept(new TestPort(panelSender(7)))).toBe(7);
    // Side panels have no tab: each port gets an id of its own, never a tab's.
    const side1 = h.ports.accept(new TestPort(panelSender(undefined, { url: `${ORIGIN}chat.html?mode=side` })));
    const side2 = h.ports.accept(new TestPort(panelSender(undefined)));
    expect(side1).toBeLessThan(0);
    expect(side2).toBeLessThan(0);
    expect(side1).not.toBe(side2);
    expect(h.ports.tabIds().sort()).toEqual([7, side1, side2].sort());
  });

  it('tells the tab\'s launcher to hide the panel when the panel closes itself, and nothing for a side panel', async () => {
    const h = await createHarness();
    h.connect(4).send({ type: 'close' });
    const side = new TestPort(panelSender(undefined));
    h.ports.accept(side);
    side.send({ type: 'close' });
    expect(h.closedPanels).toEqual([4]);
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

  it('gives a panel port the tab id of its frame', () => {
    expect(isPanelSender(panelSender(9), RUNTIME_ID)).toBe(true);
    expect(panelTabId(panelSender(9))).toBe(9);
    expect(panelTabId({ ...panelSender(9), tab: { id: -1 } })).toBeUndefined();
    expect(panelTabId(panelSender(undefined))).toBeUndefined();
  });
});
