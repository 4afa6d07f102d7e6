// The SessionStore contract, as one suite that every implementation runs (memory and Redis):
// copies not references, atomic updates, sessions scoped by token, the per-token cap.
import { afterEach, describe, expect, it } from 'vitest';
import type { StoredContext } from '../../../../server/session/context.ts';
import { addUserMessage, type SessionState } from '../../../../server/session/session.ts';
import type { SessionKey, SessionStore } from '../../../../server/session/session-store.ts';

export interface StoreFactory {
  name: string;
  /** A fresh, empty store with these limits. */
  create(limits: { maxPerToken: number; ttlMs: number }): Promise<SessionStore>;
}

const key = (tokenId: string, clientId: string): SessionKey => ({ tokenId, clientId });
const attachment = (): StoredContext => ({ kind: 'page', title: 'Page', text: 'Some text.', tokens: 3, originalChars: 10, truncated: false, fence: 'f00d' });

export function describeSessionStore(factory: StoreFactory): void {
  describe(`${factory.name} session store`, () => {
    const open: SessionStore[] = [];
    const make = async (limits: Partial<{ maxPerToken: number; ttlMs: number }> = {}) => {
      const store = await factory.create({ maxPerToken: 10, ttlMs: 60_000, ...limits });
      open.push(store);
      return store;
    };
    afterEach(async () => {
      await Promise.all(open.splice(0).map((s) => s.close()));
    });

    it('creates on first update, then reports that the session existed', async () => {
      const store = await make();
      expect(await store.load(key('t1', 'c'))).toBeUndefined();
      const first = await store.update(key('t1', 'c'), (s) => addUserMessage(s, 'hello', 20));
      expect(first.existed).toBe(false);
      const second = await store.update(key('t1', 'c'), (s) => s.history.length);
      expect(second).toMatchObject({ existed: true, value: 1 });
      expect((await store.load(key('t1', 'c')))?.history[0]).toMatchObject({ role: 'user', content: 'hello' });
    });

    it('hands out copies: changing a loaded or returned state changes nothing stored', async () => {
      const store = await make();
      const { state } = await store.update(key('t1', 'c'), (s) => {
        s.settings.voice = 'alloy';
      });
      state.settings.voice = 'changed';
      const loaded = await store.load(key('t1', 'c'));
      if (!loaded) throw new Error('session missing');
      loaded.history.push({ role: 'user', content: 'sneaked in' });
      const again = await store.load(key('t1', 'c'));
      expect(again).toEqual({ history: [], settings: { voice: 'alloy' } });
    });

    it('keeps nothing that mutate could still reach: its state, the value it returns, nested parts', async () => {
      const store = await make();
      let kept: SessionState | undefined;
      const { value } = await store.update(key('t1', 'c'), (s) => {
        addUserMessage(s, 'question', 20, { context: attachment(), maxTokens: 1000 });
        kept = s;
        return s.history;
      });
      if (!kept) throw new Error('mutate did not run');
      kept.settings.voice = 'changed later';
      kept.history.push({ role: 'assistant', content: 'sneaked in' });
      const first = value[0];
      if (!first?.context) throw new Error('attachment missing');
      first.context.title = 'changed title';
      first.content = 'changed question';
      const loaded = await store.load(key('t1', 'c'));
      expect(loaded?.settings).toEqual({});
      expect(loaded?.history).toHaveLength(1);
      expect(loaded?.history[0]).toMatchObject({ content: 'question', context: { title: 'Page' } });
      // The next update's copy is as independent as the first.
      await store.update(key('t1', 'c'), (s) => {
        const entry = s.history[0];
        if (entry?.context) entry.context.tokens = 1;
      });
      expect((await store.load(key('t1', 'c')))?.history[0]?.context?.tokens).toBe(1);
    });

    it('leaves the stored session as it was when mutate throws', async () => {
      const store = await make();
      await store.update(key('t1', 'c'), (s) => addUserMessage(s, 'kept', 20));
      await expect(
        store.update(key('t1', 'c'), (s) => {
          addUserMessage(s, 'lost', 20);
          throw new Error('boom');
        }),
      ).rejects.toThrow('boom');
      expect((await store.load(key('t1', 'c')))?.history.map((m) => m.content)).toEqual(['kept']);
    });

    it('keeps sessions of different tokens apart under the same client id', async () => {
      const store = await make();
      await store.update(key('token-a', 'user1'), (s) => {
        addUserMessage(s, 'secret of A', 20);
        s.settings.systemPrompt = 'A prompt';
      });
      const b = await store.update(key('token-b', 'user1'), (s) => ({ ...s }));
      expect(b.existed).toBe(false);
      expect(b.state).toEqual({ history: [], settings: {} });
      await store.update(key('token-b', 'user1'), (s) => {
        s.settings.systemPrompt = 'B prompt';
      });
      expect((await store.load(key('token-a', 'user1')))?.settings.systemPrompt).toBe('A prompt');
      expect((await store.load(key('token-a', 'user1')))?.history).toHaveLength(1);
    });

    it('never loses one of many concurrent updates to one session', async () => {
      const store = await make();
      await Promise.all(Array.from({ length: 25 }, (_, i) => store.update(key('t1', 'busy'), (s) => addUserMessage(s, `m${i}`, 100))));
      const contents = (await store.load(key('t1', 'busy')))?.history.map((m) => m.content).sort();
      expect(contents).toEqual(Array.from({ length: 25 }, (_, i) => `m${i}`).sort());
    });

    it('caps sessions per token by evicting only that token’s least recently used', async () => {
      const store = await make({ maxPerToken: 3 });
      await store.update(key('other', 'keep'), () => undefined);
      for (const id of ['s1', 's2', 's3']) await store.update(key('flood', id), () => undefined);
      // s1 used again, so s2 is now the least recently used.
      await store.update(key('flood', 's1'), () => undefined);
      for (const id of ['s4', 's5']) await store.update(key('flood', id), () => undefined);
      expect(await store.countForToken('flood')).toBe(3);
      expect(await store.load(key('flood', 's2'))).toBeUndefined();
      expect(await store.load(key('flood', 's3'))).toBeUndefined();
      expect(await store.load(key('flood', 's1'))).toBeDefined();
      expect(await store.load(key('other', 'keep'))).toBeDefined();
      expect(await store.countForToken('other')).toBe(1);
    });

    it('forgets a session idle longer than the TTL, counting from its last use', async () => {
      // Margins of 400 ms either way, so a loaded machine's late timers do not decide the outcome.
      const store = await make({ ttlMs: 1000 });
      await store.update(key('t1', 'old'), () => undefined);
      await new Promise((resolve) => setTimeout(resolve, 500));
      await store.update(key('t1', 'old'), () => undefined);
      await new Promise((resolve) => setTimeout(resolve, 600));
      // 1,100 ms after creation but used 600 ms ago: still there.
      expect(await store.load(key('t1', 'old'))).toBeDefined();
      await new Promise((resolve) => setTimeout(resolve, 1000));
      expect(await store.load(key('t1', 'old'))).toBeUndefined();
    });

    it('deletes a session', async () => {
      const store = await make();
      await store.update(key('t1', 'gone'), () => undefined);
      await store.delete(key('t1', 'gone'));
      expect(await store.load(key('t1', 'gone'))).toBeUndefined();
      expect(await store.countForToken('t1')).toBe(0);
    });
  });
}
