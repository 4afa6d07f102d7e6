import { describe, expect, it } from 'vitest';
import { copySessionState } from '../../../../server/session/session-copy.ts';
import type { SessionState } from '../../../../server/session/session.ts';

/** A session with every field the types allow filled in. */
const full = (): SessionState => ({
  history: [
    {
      role: 'user',
      content: 'What does this page say?',
      answered: true,
      context: { kind: 'page', title: 'A page', url: 'https://example.org/', text: 'Text.', tokens: 2, originalChars: 5, truncated: false, fence: 'abc123' },
    },
    { role: 'assistant', content: 'It says "Text."', interrupted: true },
    { role: 'user', content: 'And then?', answered: false },
  ],
  settings: { model: 'gpt-4o-mini', voice: 'alloy', language: 'en', speech: true, speed: 1.25, systemPrompt: 'Be brief.' },
  inFlight: [{ id: 'marker-1', turnId: 3, instance: 'instance-1', startedAt: 1764540000000 }],
});

/** Every object reachable from a value (arrays included). */
function objectsIn(value: unknown, out = new Set<object>()): Set<object> {
  if (typeof value !== 'object' || value === null) return out;
  out.add(value);
  for (const item of Object.values(value)) objectsIn(item, out);
  return out;
}

describe('copySessionState', () => {
  it('copies every field, and shares not one object with the source at any depth', () => {
    const source = full();
    const copy = copySessionState(source);
    expect(copy).toStrictEqual(full());
    const shared = [...objectsIn(copy)].filter((object) => objectsIn(source).has(object));
    expect(shared).toEqual([]);
  });

  it('leaves the source alone when the copy is changed, nested attachment included', () => {
    const source = full();
    const copy = copySessionState(source);
    const first = copy.history[0];
    if (!first?.context) throw new Error('attachment missing');
    first.context.title = 'changed';
    first.answered = false;
    copy.history.push({ role: 'user', content: 'added' });
    copy.settings.voice = 'echo';
    copy.inFlight?.splice(0, 1);
    expect(source).toStrictEqual(full());
  });

  it('has no inFlight field when the source has none (a session without turns in flight)', () => {
    const copy = copySessionState({ history: [], settings: {} });
    expect(Object.keys(copy)).toEqual(['history', 'settings']);
  });
});
