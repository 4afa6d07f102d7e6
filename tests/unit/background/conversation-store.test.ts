import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fakeBrowser } from 'wxt/testing/fake-browser';
import { conversationItem, createConversationStore as createStore, type ConversationStoreOptions } from '../../../lib/background/conversation-store.ts';
import type { ChatEntry } from '../../../lib/messages.ts';

const entry = (id: string, role: ChatEntry['role'], content: string, status: ChatEntry['status'] = 'done'): ChatEntry => ({
  id,
  role,
  content,
  status,
  createdAt: 0,
});

// Every store is flushed after its test, so no late write lands in the next test's storage.
const stores: ReturnType<typeof createStore>[] = [];
const createConversationStore = (options?: ConversationStoreOptions) => {
  const store = createStore(options);
  stores.push(store);
  return store;
};

describe('conversation store', () => {
  beforeEach(() => fakeBrowser.reset());
  afterEach(async () => {
    await Promise.all(stores.splice(0).map((store) => store.flush()));
  });

  it('persists to storage.local and a new instance (a restarted worker) reloads it', async () => {
    const store = createConversationStore();
    await store.ready();
    store.add(entry('u1', 'user', 'Hello'));
    store.add(entry('a1', 'assistant', 'Hi there'));
    await store.flush();

    const restarted = createConversationStore();
    await restarted.ready();
    expect(restarted.snapshot()).toEqual(store.snapshot());
    expect((await conversationItem.getValue())?.entries.map((e) => e.id)).toEqual(['u1', 'a1']);
  });

  it('keeps at most maxEntries and maxChars, dropping the oldest', async () => {
    const store = createConversationStore({ maxEntries: 3, maxChars: 10 });
    await store.ready();
    for (let i = 0; i < 5; i++) store.add(entry(`e${i}`, 'user', 'ab'));
    expect(store.snapshot().entries.map((e) => e.id)).toEqual(['e2', 'e3', 'e4']);
    store.add(entry('big', 'assistant', '123456789'));
    await store.flush();
    expect(store.snapshot().entries.map((e) => e.id)).toEqual(['big']);
  });

  it('newChat gives a fresh client id and no entries', async () => {
    let n = 0;
    const store = createConversationStore({ newId: () => `id-${++n}` });
    await store.ready();
    store.add(entry('u1', 'user', 'Hello'));
    const before = store.snapshot().clientId;
    const fresh = store.reset();
    expect(fresh.entries).toEqual([]);
    expect(fresh.clientId).not.toBe(before);
    await store.flush();
    expect(await conversationItem.getValue()).toEqual(fresh);
  });

  it('inserts an answer right after its question', async () => {
    const store = createConversationStore();
    await store.ready();
    store.add(entry('u1', 'user', 'one'));
    store.add(entry('u2', 'user', 'two', 'pending'));
    store.add(entry('a1', 'assistant', ''), 'u1');
    expect(store.snapshot().entries.map((e) => e.id)).toEqual(['u1', 'a1', 'u2']);
  });

  it('streams text in memory and saves it throttled, so a stopped worker loses at most a moment', async () => {
    const store = createConversationStore({ textFlushMs: 10 });
    await store.ready();
    store.add(entry('a1', 'assistant', '', 'streaming'));
    await store.flush();
    store.appendText('a1', 'Hel');
    store.appendText('a1', 'lo');
    expect(store.get('a1')?.content).toBe('Hello');
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect((await conversationItem.getValue())?.entries[0]?.content).toBe('Hello');
  });

  it('resumes with finished messages only', async () => {
    const store = createConversationStore();
    await store.ready();
    store.add(entry('u1', 'user', 'Q1'));
    store.add(entry('a1', 'assistant', 'A1'));
    store.add(entry('u2', 'user', 'Q2', 'error'));
    store.add(entry('u3', 'user', 'Q3', 'pending'));
    expect(store.resumeMessages()).toEqual([
      { role: 'user', content: 'Q1' },
      { role: 'assistant', content: 'A1' },
    ]);
  });

  it('resumes a question that had an attachment with a note that its text was not kept (never the text)', async () => {
    const store = createConversationStore();
    await store.ready();
    store.add({ ...entry('u1', 'user', 'How much is it?'), attachment: { kind: 'page', title: 'Lumen 3\nreview', chars: 1200, truncated: false } });
    store.add(entry('a1', 'assistant', '89 euros.'));
    const [question, answer] = store.resumeMessages();
    expect(question?.content).toBe(
      '[With this message the user had attached text from the web page "Lumen 3 review"; it was not kept after a reconnect, so it is not available now.]\nHow much is it?',
    );
    expect(answer).toEqual({ role: 'assistant', content: '89 euros.' });
  });

  it('reports structural changes to its listener', async () => {
    const seen: number[] = [];
    const store = createConversationStore({ onChange: (conversation) => seen.push(conversation.entries.length) });
    await store.ready();
    store.add(entry('u1', 'user', 'Q1'));
    store.update('u1', { status: 'error' });
    store.remove('u1');
    expect(seen).toEqual([1, 1, 0]);
  });
});
