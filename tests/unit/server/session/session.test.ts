import { describe, expect, it } from 'vitest';
import { createMemorySessionStore } from '../../../../server/session/memory-store.ts';
import { createRateLimiter } from '../../../../server/session/rate-limiter.ts';
import {
  addAssistantMessage,
  addUserMessage,
  buildChatMessages,
  createSession,
  seedHistory,
  WELCOME_MESSAGE,
} from '../../../../server/session/session.ts';

describe('session history', () => {
  it('starts with the system prompt and the welcome, and keeps the newest turns', () => {
    const s = createSession('a');
    for (let i = 0; i < 5; i++) addAssistantMessage(s, addUserMessage(s, `q${i}`, 3), `a${i}`, 3);
    expect(s.history.map((m) => m.content)).toEqual(['q2', 'a2', 'q3', 'a3', 'q4', 'a4']);
    const messages = buildChatMessages(s, 'be brief');
    expect(messages.slice(0, 2)).toEqual([
      { role: 'system', content: 'be brief' },
      { role: 'assistant', content: WELCOME_MESSAGE },
    ]);
    s.settings.systemPrompt = 'talk like a pirate';
    expect(buildChatMessages(s, 'be brief')[0]?.content).toBe('talk like a pirate');
  });

  it('keeps a failed question once, even when the client retries it', () => {
    const s = createSession('a');
    addUserMessage(s, 'why?', 20); // failed: no answer
    const retry = addUserMessage(s, 'why?', 20);
    addAssistantMessage(s, retry, 'because', 20);
    expect(s.history.map((m) => m.content)).toEqual(['why?', 'because']);
    addUserMessage(s, 'other', 20); // a different question after a failure is kept as is
    addUserMessage(s, 'next', 20);
    expect(s.history.map((m) => m.content)).toEqual(['why?', 'because', 'other', 'next']);
  });

  it('seeds from a transcript without the welcome and within bounds', () => {
    const s = createSession('a');
    seedHistory(
      s,
      [
        { role: 'assistant', content: WELCOME_MESSAGE },
        { role: 'user', content: 'u1' },
        { role: 'assistant', content: 'a1' },
        { role: 'user', content: 'u2' },
        { role: 'assistant', content: 'a2' },
      ],
      1,
    );
    expect(s.history.map((m) => m.content)).toEqual(['u2', 'a2']);
  });
});

describe('memory session store', () => {
  it('evicts the least recently used session past maxSessions', async () => {
    const store = createMemorySessionStore({ maxSessions: 2, ttlMs: 60_000 });
    await store.create('a');
    await store.create('b');
    await store.touch('a');
    await store.create('c');
    expect(await store.get('b')).toBeUndefined();
    expect(await store.get('a')).toBeDefined();
    expect(await store.size()).toBe(2);
    store.close();
  });

  it('forgets sessions idle longer than the TTL', async () => {
    let now = 1000;
    const store = createMemorySessionStore({ maxSessions: 10, ttlMs: 500, now: () => now });
    await store.create('a');
    now += 400;
    expect(await store.get('a')).toBeDefined();
    await store.touch('a');
    now += 600;
    expect(await store.get('a')).toBeUndefined();
    store.close();
  });
});

describe('rate limiter', () => {
  const token = (key: string) => ({ key, limit: 2 });
  it('allows `limit` turns per window per key and says when the next frees up', () => {
    let now = 0;
    const limiter = createRateLimiter({ windowMs: 1000, now: () => now });
    expect(limiter.take([token('t')])).toEqual({ ok: true });
    now = 100;
    expect(limiter.take([token('t')])).toEqual({ ok: true });
    expect(limiter.take([token('other')])).toEqual({ ok: true });
    now = 400;
    expect(limiter.take([token('t')])).toEqual({ ok: false, retryAfterMs: 600, limit: 2 });
    now = 1000;
    expect(limiter.take([token('t')])).toEqual({ ok: true });
  });

  it('caps one session under its token without spending the token on refused turns', () => {
    const now = 0;
    const limiter = createRateLimiter({ windowMs: 1000, now: () => now });
    const budgets = (session: string) => [{ key: 'token', limit: 5 }, { key: `session:${session}`, limit: 2 }];
    expect(limiter.take(budgets('flood')).ok).toBe(true);
    expect(limiter.take(budgets('flood')).ok).toBe(true);
    for (let i = 0; i < 10; i++) expect(limiter.take(budgets('flood'))).toMatchObject({ ok: false, limit: 2 });
    // The flood's refused turns took nothing from the token: three neighbours still fit.
    expect(limiter.take(budgets('a')).ok).toBe(true);
    expect(limiter.take(budgets('b')).ok).toBe(true);
    expect(limiter.take(budgets('c')).ok).toBe(true);
    expect(limiter.take(budgets('d'))).toMatchObject({ ok: false, limit: 5 });
  });
});
