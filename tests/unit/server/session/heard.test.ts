import { describe, expect, it } from 'vitest';
import { createSpokenTurn, heardText, recordInterruption, type SpokenTurn } from '../../../../server/session/heard.ts';
import {
  addAssistantMessage,
  addUserMessage,
  buildChatMessages,
  emptySessionState,
  INTERRUPTED_MARK,
  INTERRUPTED_NOTE,
} from '../../../../server/session/session.ts';

const SENTENCES = ['The capital of France is Paris.', 'It has about two million people.', 'Thanks for asking!'];
const QUESTION = 'Tell me about Paris';

function spokenTurn(patch: Partial<SpokenTurn> = {}): SpokenTurn {
  return { ...createSpokenTurn(), speaking: true, sentences: [...SENTENCES], question: QUESTION, ...patch };
}

describe('heardText', () => {
  it('keeps whole sentences before the index and whole words of the current one', () => {
    expect(heardText(SENTENCES, { index: 0, permille: 0 })).toBe('');
    expect(heardText(SENTENCES, { index: 1, permille: 0 })).toBe('The capital of France is Paris.');
    // 500 ‰ of "It has about two million people." (32 chars) ends inside "million": that word is dropped.
    expect(heardText(SENTENCES, { index: 1, permille: 500 })).toBe('The capital of France is Paris. It has about two');
    expect(heardText(SENTENCES, { index: 2, permille: 1000 })).toBe(SENTENCES.join(' '));
  });

  it('copes with positions past the end and with characters outside the BMP', () => {
    expect(heardText(SENTENCES, { index: 9, permille: 500 })).toBe(SENTENCES.join(' '));
    expect(heardText(['😀😀 😀😀'], { index: 0, permille: 600 })).toBe('😀😀');
  });
});

describe('recordInterruption', () => {
  it('cuts a finished answer down to what was heard and marks it for the model', () => {
    const s = emptySessionState();
    addUserMessage(s, QUESTION, 20);
    addAssistantMessage(s, QUESTION, SENTENCES.join(' '), 20);
    expect(recordInterruption(s, spokenTurn({ answer: SENTENCES.join(' ') }), { index: 1, permille: 500 }, 20)).toBe(true);
    const messages = buildChatMessages(s, 'be brief');
    expect(messages[0]?.content).toBe(`be brief\n\n${INTERRUPTED_NOTE}`);
    expect(messages.at(-1)).toEqual({
      role: 'assistant',
      content: `The capital of France is Paris. It has about two ${INTERRUPTED_MARK}`,
    });
    // The state stays plain data: it survives the JSON round trip every store makes.
    expect(buildChatMessages(JSON.parse(JSON.stringify(s)) as typeof s, 'be brief')).toEqual(messages);
  });

  it('adds the heard part after the question when the turn was still running', () => {
    const s = emptySessionState();
    addUserMessage(s, QUESTION, 20);
    addUserMessage(s, 'a concurrent question', 20);
    expect(recordInterruption(s, spokenTurn(), { index: 0, permille: 0 }, 20)).toBe(true);
    expect(s.history.map((e) => [e.role, e.content, e.interrupted ?? false])).toEqual([
      ['user', QUESTION, false],
      ['assistant', '', true],
      ['user', 'a concurrent question', false],
    ]);
    expect(s.history[0]?.answered).toBe(true);
    expect(buildChatMessages(s, 'p')[3]).toEqual({ role: 'assistant', content: INTERRUPTED_MARK });
  });

  it('records nothing for an unspoken turn or a question that never reached history', () => {
    const s = emptySessionState();
    addUserMessage(s, QUESTION, 20);
    expect(recordInterruption(s, spokenTurn({ speaking: false }), { index: 0, permille: 0 }, 20)).toBe(false);
    expect(recordInterruption(s, spokenTurn({ question: 'something else' }), { index: 0, permille: 0 }, 20)).toBe(false);
    expect(s.history).toHaveLength(1);
    expect(buildChatMessages(s, 'plain')[0]?.content).toBe('plain');
  });
});
