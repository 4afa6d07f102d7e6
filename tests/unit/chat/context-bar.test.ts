// Issue 12 in the panel: "Ask about this page", the chip (title, size, truncation, preview on
// demand, remove) and the read-aloud bar (pause, resume, stop, the sentence being read).
import { flushSync, mount, unmount } from 'svelte';
import { fakeBrowser } from 'wxt/testing/fake-browser';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import ChatPanel from '../../../components/chat/ChatPanel.svelte';
import type { ChatActions } from '../../../lib/chat/chat-controller.svelte.ts';
import { ChatState } from '../../../lib/chat/chat-state.svelte.ts';
import { describeSize, PageContextState } from '../../../lib/chat/page-context-state.svelte.ts';

const PREVIEW = { kind: 'page' as const, title: 'Lumen 3 review', url: 'https://news.example/lumen-3', chars: 24_000, originalChars: 96_310, tokens: 6000, truncated: true, excerpt: 'The Lumen 3 costs 89 euros.' };

describe('page context in the panel', () => {
  let target: HTMLElement;
  let app: Record<string, unknown> | undefined;
  let calls: string[];
  let context: PageContextState;

  beforeEach(() => {
    fakeBrowser.reset();
    target = document.createElement('div');
    document.body.append(target);
    calls = [];
    context = new PageContextState();
    const record = (name: string) => () => void calls.push(name);
    const actions = new Proxy({} as ChatActions, { get: (_t, name) => record(String(name)) });
    app = mount(ChatPanel, { target, props: { chat: new ChatState(), actions, onClose: () => undefined, pageContext: context } });
    flushSync();
  });
  afterEach(() => {
    if (app) void unmount(app);
    target.remove();
  });
  const byText = (text: string) => [...target.querySelectorAll('button')].find((b) => b.textContent?.trim() === text);

  it('offers "Ask about this page" and reading aloud, and sends nothing by itself', () => {
    expect(byText('Ask about this page')).toBeDefined();
    expect(byText('Read this page aloud')).toBeDefined();
    expect(calls).toEqual([]);
    byText('Ask about this page')?.click();
    byText('Ask about the selection')?.click();
    byText('Read the selection aloud')?.click();
    expect(calls).toEqual(['attachPage', 'attachSelection', 'readSelection']);
  });

  it('shows the chip with title, truncation and a preview on demand; Remove asks to remove it', () => {
    context.apply({ type: 'attachment', preview: PREVIEW });
    flushSync();
    const chip = target.querySelector('[aria-label="Attachment"]');
    expect(chip?.textContent).toContain('Lumen 3 review');
    expect(chip?.textContent).toContain('cut to 24,000 of 96,310 characters');
    expect(chip?.textContent).not.toContain('The Lumen 3 costs'); // preview only on demand
    expect(byText('Ask about this page')).toBeUndefined();
    byText('Preview')?.click();
    expect(calls).toEqual(['togglePreview']);
    context.previewOpen = true;
    flushSync();
    expect(chip?.textContent).toContain('The Lumen 3 costs 89 euros.…');
    target.querySelector<HTMLButtonElement>('button[aria-label="Remove attachment"]')?.click();
    expect(calls).toEqual(['togglePreview', 'removeAttachment']);
    context.apply({ type: 'attachment', preview: null });
    flushSync();
    expect(target.querySelector('[aria-label="Attachment"]')).toBeNull();
  });

  it('says why a page could not be attached', () => {
    context.attaching = true;
    flushSync();
    expect(byText('Reading the page…')?.disabled).toBe(true);
    context.apply({ type: 'attachment', preview: null, error: { code: 'SITE_DISABLED', message: 'Parley is turned off for news.example.' } });
    flushSync();
    expect(target.querySelector('[role="alert"]')?.textContent).toBe('Parley is turned off for news.example.');
    expect(byText('Ask about this page')?.disabled).toBe(false);
  });

  it('offers to allow the one site a page needs, and hides the offer once something else happens', () => {
    context.apply({
      type: 'attachment',
      preview: null,
      error: { code: 'NEEDS_SITE_ACCESS', message: 'Parley needs your permission.', site: { host: 'news.example', origins: ['*://news.example/*'] } },
    });
    flushSync();
    const group = target.querySelector('[aria-label="Site access"]');
    expect(group?.textContent).toContain('read pages on news.example');
    expect(target.querySelector('[role="alert"]')).toBeNull();
    byText('Allow reading news.example')?.click();
    byText('Not now')?.click();
    expect(calls).toEqual(['allowSite', 'dismissSiteAccess']);
    context.apply({ type: 'readAloud', state: 'started', title: 'Lumen 3 review' });
    flushSync();
    expect(target.querySelector('[aria-label="Site access"]')).toBeNull();
  });

  it('highlights the sentence being read, pauses, resumes and stops', () => {
    context.apply({ type: 'readAloud', state: 'started', title: 'Lumen 3 review' });
    context.sentenceStarted(' First sentence. ');
    flushSync();
    expect(target.querySelector('[data-testid="read-aloud-sentence"]')?.textContent).toBe('First sentence.');
    byText('Pause')?.click();
    context.reading = 'paused';
    flushSync();
    byText('Resume')?.click();
    byText('Stop reading')?.click();
    expect(calls).toEqual(['pauseReading', 'resumeReading', 'stopReading']);
  });
});

describe('PageContextState', () => {
  it('ends a reading when the relay is done and the player went quiet, not before', () => {
    const state = new PageContextState();
    state.apply({ type: 'readAloud', state: 'started' });
    state.playerIdle(); // between sentences: the relay has more
    expect(state.reading).toBe('reading');
    state.apply({ type: 'readAloud', state: 'ended' });
    expect(state.reading).toBe('reading'); // queued audio still plays
    state.playerIdle();
    expect(state.reading).toBe('idle');
  });

  it('shows a reading error and ignores sentences when idle', () => {
    const state = new PageContextState();
    state.sentenceStarted('stray');
    expect(state.sentence).toBe('');
    state.apply({ type: 'readAloud', state: 'started' });
    state.apply({ type: 'readAloud', state: 'error', error: { code: 'NOT_CONNECTED', message: 'Not connected.' } });
    expect([state.reading, state.error]).toEqual(['idle', 'Not connected.']);
  });

  it('describes sizes', () => {
    expect(describeSize({ chars: 1234, originalChars: 1234, truncated: false })).toBe('1,234 characters');
    expect(describeSize(PREVIEW)).toBe('cut to 24,000 of 96,310 characters');
  });
});
