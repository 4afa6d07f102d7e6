// Issue 12 in the background: attaching a page or selection only on the user's action, sending it
// once with the next message (typed or spoken), read-aloud turns, sites turned off, context menus.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { fakeBrowser } from 'wxt/testing/fake-browser';
import { MENU_ITEMS, registerContextMenus } from '../../../lib/background/context-menus.ts';
import { bytesToBase64 } from '../../../lib/background/base64.ts';
import { createHarness, panelSender, settleHarnesses, TestPort } from './support/harness.ts';

const settle = () => new Promise((resolve) => setTimeout(resolve, 0));
const ARTICLE = 'The Lumen 3 costs 89 euros. It ships from Lisbon.';
const pageResult = (text = ARTICLE) => ({
  ok: true,
  value: { kind: 'page', title: 'Lumen 3 review', url: 'https://news.example/lumen-3', text, originalChars: text.length, complete: true, via: 'readability' },
});
const selectionResult = (text: string) => ({
  ok: true,
  value: { kind: 'selection', title: 'Lumen 3 review', text, originalChars: text.length, complete: true, via: 'selection' },
});

describe('page and selection attachments', () => {
  beforeEach(() => fakeBrowser.reset());
  afterEach(settleHarnesses);

  it('reads nothing and sends no page data unless the user attaches', async () => {
    const h = await createHarness();
    h.page.results['/extract-page.js'] = pageResult();
    const tab = h.connect(1);
    tab.send({ type: 'send', text: 'What does this page say?' });
    await settle();
    expect(h.page.injected).toEqual([]);
    expect(h.relay.sentOf('attachContext')).toEqual([]);
    expect(JSON.stringify(h.relay.sent)).not.toContain('Lumen');
  });

  it('attaches the page on request, shows the chip, and sends it once, right before the next message', async () => {
    const h = await createHarness();
    h.page.results['/extract-page.js'] = pageResult();
    const tab = h.connect(1);
    tab.send({ type: 'attachPage' });
    await settle();
    expect(h.page.injected).toEqual([{ tabId: 1, file: '/extract-page.js' }]);
    expect(tab.of('attachment').at(-1)?.preview).toMatchObject({ kind: 'page', title: 'Lumen 3 review', chars: ARTICLE.length, truncated: false, excerpt: ARTICLE });
    expect(h.relay.sent).toEqual([]); // attaching alone sends nothing

    tab.send({ type: 'send', text: 'How much is it?' });
    const [attach, ask] = h.relay.sent;
    expect(attach).toEqual({ type: 'attachContext', turnId: ask?.type === 'userText' ? ask.turnId : -1, attachment: { kind: 'page', title: 'Lumen 3 review', url: 'https://news.example/lumen-3', text: ARTICLE } });
    expect(ask).toMatchObject({ type: 'userText', text: 'How much is it?' });
    expect(tab.of('attachment').at(-1)?.preview).toBeNull(); // the chip went with the message
    expect(h.store.snapshot().entries[0]?.attachment).toEqual({ kind: 'page', title: 'Lumen 3 review', chars: ARTICLE.length, truncated: false });

    h.fromRelay({ type: 'textEnd', turnId: (ask as { turnId: number }).turnId });
    tab.send({ type: 'send', text: 'And where from?' });
    expect(h.relay.sentOf('attachContext')).toHaveLength(1);
  });

  it('cuts the page to the relay caps and says so on the chip', async () => {
    const h = await createHarness();
    h.page.contextCaps = { maxChars: 1000, maxTokens: 100 };
    h.page.results['/extract-page.js'] = pageResult('word '.repeat(5000));
    const tab = h.connect(1);
    tab.send({ type: 'attachPage' });
    await settle();
    const preview = tab.of('attachment').at(-1)?.preview;
    expect(preview).toMatchObject({ truncated: true, originalChars: 25_000 });
    expect(preview?.tokens).toBeLessThanOrEqual(100);
    tab.send({ type: 'send', text: 'Summarise' });
    const [attach] = h.relay.sentOf('attachContext');
    expect(attach?.attachment.text.length).toBe(preview?.chars);
  });

  it('refuses sites turned off in the options without reading them', async () => {
    const h = await createHarness();
    h.page.allowed = false;
    h.page.results['/extract-page.js'] = pageResult();
    const tab = h.connect(1);
    tab.send({ type: 'attachPage' });
    await settle();
    expect(h.page.injected).toEqual([]);
    expect(tab.of('attachment').at(-1)).toMatchObject({ preview: null, error: { code: 'SITE_DISABLED' } });
    // Refused before the browser is asked anything: no access check, no offer to allow the site.
    expect(h.page.accessChecks).toEqual([]);
    expect(tab.of('attachment').at(-1)?.error?.site).toBeUndefined();
  });

  it('reports a page the browser will not let it read even with the site allowed', async () => {
    const h = await createHarness();
    h.page.granted.add('news.example');
    const tab = h.connect(1);
    tab.send({ type: 'attachSelection' }); // no result configured: the injection throws
    await settle();
    expect(tab.of('attachment').at(-1)).toMatchObject({ preview: null, error: { code: 'NOT_READABLE' } });
    expect(tab.of('attachment').at(-1)?.error?.site).toBeUndefined();
  });

  it('without activeTab or the site allowed, asks the panel to ask for that one site, and sends nothing', async () => {
    const h = await createHarness();
    const tab = h.connect(1);
    tab.send({ type: 'attachPage' }); // the browser refuses the injection: no grant
    await settle();
    expect(h.page.accessChecks).toEqual(['news.example']);
    expect(tab.of('attachment').at(-1)).toEqual({
      type: 'attachment',
      preview: null,
      error: { code: 'NEEDS_SITE_ACCESS', message: 'Parley needs your permission to read pages on news.example.', site: { host: 'news.example', origins: ['*://news.example/*'] } },
    });
    tab.send({ type: 'readAloud', kind: 'selection' });
    await settle();
    expect(tab.of('readAloud').at(-1)).toMatchObject({ state: 'error', error: { code: 'NEEDS_SITE_ACCESS', site: { host: 'news.example' } } });
    expect(h.relay.sent).toEqual([]);

    // The user allowed the site in the panel: the same click's retry reads the page.
    h.page.granted.add('news.example');
    h.page.results['/extract-page.js'] = pageResult();
    tab.send({ type: 'attachPage' });
    await settle();
    expect(tab.of('attachment').at(-1)?.preview).toMatchObject({ title: 'Lumen 3 review' });
  });

  it('does not ask about access when the browser lets it read (activeTab, or allowed before)', async () => {
    const h = await createHarness();
    h.page.results['/extract-page.js'] = pageResult();
    const tab = h.connect(1);
    tab.send({ type: 'attachPage' });
    await settle();
    expect(h.page.accessChecks).toEqual([]);
    expect(tab.of('attachment').at(-1)?.preview).toMatchObject({ title: 'Lumen 3 review' });
  });

  it('from the side panel, reads the window\'s active tab and shows the chip in the side panel', async () => {
    const h = await createHarness();
    h.page.results['/extract-page.js'] = pageResult();
    const side = new TestPort(panelSender(undefined));
    const sideId = h.ports.accept(side);
    expect(sideId).toBeLessThan(0);
    side.send({ type: 'hello' });
    side.send({ type: 'attachPage' });
    await settle();
    expect(h.page.injected).toEqual([{ tabId: 7, file: '/extract-page.js' }]);
    expect(side.of('attachment').at(-1)?.preview).toMatchObject({ title: 'Lumen 3 review' });
    side.send({ type: 'send', text: 'Price?' });
    expect(h.relay.sentOf('attachContext')).toHaveLength(1);
  });

  it('is removable before sending', async () => {
    const h = await createHarness();
    h.page.results['/extract-selection.js'] = selectionResult('Only this sentence.');
    const tab = h.connect(1);
    tab.send({ type: 'attachSelection' });
    await settle();
    tab.send({ type: 'removeAttachment' });
    tab.send({ type: 'send', text: 'hi' });
    expect(h.relay.sentOf('attachContext')).toEqual([]);
  });

  it('sends the attachment again when a failed message is retried', async () => {
    const h = await createHarness();
    h.page.results['/extract-page.js'] = pageResult();
    const tab = h.connect(1);
    tab.send({ type: 'attachPage' });
    await settle();
    tab.send({ type: 'send', text: 'Price?' });
    const [first] = h.relay.sentOf('userText');
    h.fromRelay({ type: 'error', turnId: first!.turnId, error: { code: 'RATE_LIMITED', message: 'slow down', retryable: true } });
    tab.send({ type: 'retry', entryId: h.store.snapshot().entries[0]!.id });
    const attaches = h.relay.sentOf('attachContext');
    expect(attaches).toHaveLength(2);
    expect(attaches[1]?.turnId).toBe(h.relay.sentOf('userText')[1]?.turnId);
  });

  it('goes with a spoken message: AttachContext before AudioEnd, shown on the transcript', async () => {
    const h = await createHarness();
    h.page.results['/extract-page.js'] = pageResult();
    const tab = h.connect(1);
    tab.send({ type: 'attachPage' });
    await settle();
    tab.send({ type: 'startRecording' });
    await settle();
    const turnId = h.host.starts[0]!;
    h.voice.sink.chunk({ turnId, seq: 0, base64: bytesToBase64(new Uint8Array([1, 2])) });
    tab.send({ type: 'stopRecording' });
    h.voice.sink.end({ turnId, chunks: 1 });
    expect(h.relay.sent.map((m) => m.type)).toEqual(['audioChunk', 'attachContext', 'audioEnd']);
    expect(h.relay.sentOf('attachContext')[0]?.turnId).toBe(turnId);
    h.fromRelay({ type: 'transcript', turnId, text: 'How much is it?' });
    expect(h.store.snapshot().entries[0]).toMatchObject({ voice: true, attachment: { kind: 'page', title: 'Lumen 3 review' } });
  });
});

describe('read-aloud', () => {
  beforeEach(() => fakeBrowser.reset());
  afterEach(settleHarnesses);

  it('reads text sentence by sentence to the tab that asked, and stops on Stop', async () => {
    const h = await createHarness();
    const tab = h.connect(1);
    const other = h.connect(2);
    tab.send({ type: 'readAloud', text: 'One sentence here. Another one there.' });
    const [speak] = h.relay.sentOf('speakText');
    expect(speak?.text).toBe('One sentence here. Another one there.');
    expect(tab.of('readAloud').at(-1)?.state).toBe('started');
    h.fromRelay({ type: 'speechAudio', turnId: speak!.turnId, index: 0, sentence: 'One sentence here. ', audio: new Uint8Array([7]) });
    expect(tab.of('readAloudSpeech')).toEqual([{ type: 'readAloudSpeech', index: 0, sentence: 'One sentence here. ', audioBase64: 'Bw==', mimeType: 'audio/mpeg' }]);
    expect(other.received.filter((m) => m.type.startsWith('readAloud'))).toEqual([]);
    // Read-aloud frames never touch the conversation.
    expect(h.store.snapshot().entries).toEqual([]);

    tab.send({ type: 'stopReadAloud' });
    expect(h.relay.sentOf('cancel')).toEqual([{ type: 'cancel', turnId: speak!.turnId }]);
    expect(tab.of('readAloud').at(-1)?.state).toBe('stopped');
    h.fromRelay({ type: 'speechAudio', turnId: speak!.turnId, index: 1, sentence: 'late', audio: new Uint8Array([8]) });
    expect(tab.of('readAloudSpeech')).toHaveLength(1);
  });

  it('reads the selection aloud from the panel, and nothing else of the page', async () => {
    const h = await createHarness();
    h.page.results['/extract-page.js'] = pageResult();
    h.page.results['/extract-selection.js'] = selectionResult('Only this sentence. And this one.');
    const tab = h.connect(1);
    tab.send({ type: 'readAloud', kind: 'selection' });
    await settle();
    expect(h.page.injected).toEqual([{ tabId: 1, file: '/extract-selection.js' }]);
    expect(h.relay.sentOf('speakText').map((m) => m.text)).toEqual(['Only this sentence. And this one.']);
  });

  it('reads the page from the context menu, and attaches a selection from it with the chat opened', async () => {
    const h = await createHarness();
    h.page.results['/extract-page.js'] = pageResult();
    h.page.results['/extract-selection.js'] = selectionResult('Only this sentence.');
    const tab = h.connect(3);
    await h.context.menuHandlers['parley-read-page'](3, { id: 3 });
    expect(h.relay.sentOf('speakText')[0]?.text).toBe(ARTICLE);
    h.fromRelay({ type: 'textEnd', turnId: h.relay.sentOf('speakText')[0]!.turnId });
    expect(tab.of('readAloud').at(-1)?.state).toBe('ended');

    await h.context.menuHandlers['parley-ask-selection'](3, { id: 3 });
    expect(h.opened).toEqual([3]);
    expect(tab.of('attachment').at(-1)?.preview).toMatchObject({ kind: 'selection', excerpt: 'Only this sentence.' });
  });
});

describe('context menu registration', () => {
  it('creates every entry (side panel and the three of issue 12) once, after clearing old ones, and routes clicks by id', async () => {
    const listeners: Array<(info: { menuItemId: string | number }, tab?: { id?: number; windowId?: number }) => void> = [];
    const created: Array<{ id: string; title: string; contexts: string[] }> = [];
    const menus = {
      removeAll: vi.fn(async () => undefined),
      create: (item: { id: string; title: string; contexts: string[] }) => created.push(item),
      onClicked: { addListener: (l: (typeof listeners)[number]) => listeners.push(l), removeListener: vi.fn() },
    };
    const calls: string[] = [];
    const remove = registerContextMenus(
      menus,
      {
        'parley-open-side-panel': (_tabId, tab) => void calls.push(`side:${tab.windowId}`),
        'parley-ask-selection': (tabId) => void calls.push(`ask:${tabId}`),
        'parley-read-selection': (tabId) => void calls.push(`read:${tabId}`),
        'parley-read-page': (tabId) => void calls.push(`page:${tabId}`),
      },
      () => undefined,
    );
    await settle();
    expect(menus.removeAll).toHaveBeenCalledOnce();
    expect(created.map((c) => [c.id, c.title, c.contexts])).toEqual(Object.entries(MENU_ITEMS).map(([id, item]) => [id, item.title, [...item.contexts]]));
    listeners[0]?.({ menuItemId: 'parley-read-page' }, { id: 4 });
    listeners[0]?.({ menuItemId: 'someone-else' }, { id: 4 });
    listeners[0]?.({ menuItemId: 'parley-ask-selection' }, {});
    listeners[0]?.({ menuItemId: 'parley-open-side-panel' }, { id: 5, windowId: 9 });
    expect(calls).toEqual(['page:4', 'side:9']);
    remove();
    expect(menus.onClicked.removeListener).toHaveBeenCalledOnce();
  });
});
