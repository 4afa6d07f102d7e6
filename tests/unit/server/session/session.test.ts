import { describe, expect, it } from 'vitest';
import {
  addAssistantMessage,
  addUserMessage,
  buildChatMessages,
  emptySessionState,
  seedHistory,
  WELCOME_MESSAGE,
} from '../../../../server/session/session.ts';

describe('session history', () => {
  it('starts with the system prompt and the welcome, and keeps the newest turns', () => {
    const s = emptySessionState();
    for (let i = 0; i < 5; i++) {
      addUserMessage(s, `q${i}`, 3);
      addAssistantMessage(s, `q${i}`, `a${i}`, 3);
    }
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
    const s = emptySessionState();
    addUserMessage(s, 'why?', 20); // failed: no answer
    addUserMessage(s, 'why?', 20);
    addAssistantMessage(s, 'why?', 'because', 20);
    expect(s.history[0]?.answered).toBe(true);
    expect(s.history.map((m) => m.content)).toEqual(['why?', 'because']);
    addUserMessage(s, 'other', 20); // a different question after a failure is kept as is
    addUserMessage(s, 'next', 20);
    expect(s.history.map((m) => m.content)).toEqual(['why?', 'because', 'other', 'next']);
  });

  it('marks the right question answered when two turns of one session overlap', () => {
    const s = emptySessionState();
    addUserMessage(s, 'first', 20);
    addUserMessage(s, 'second', 20);
    addAssistantMessage(s, 'second', 'answer 2', 20);
    addAssistantMessage(s, 'first', 'answer 1', 20);
    expect(s.history.map((m) => [m.content, m.answered])).toEqual([
      ['first', true],
      ['second', true],
      ['answer 2', undefined],
      ['answer 1', undefined],
    ]);
  });

  it('seeds from a transcript without the welcome and within bounds', () => {
    const s = emptySessionState();
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
