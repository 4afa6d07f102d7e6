// @vitest-environment node
import { describe, expect, it } from 'vitest';
import { defaultAnswer, defaultTranscript, tokenize } from '../../fakes/fake-answers.ts';

describe('defaultAnswer', () => {
  it('answers the default transcript and exercises sentence splitting', () => {
    const answer = defaultAnswer([{ role: 'user', content: defaultTranscript() }]);
    expect(answer.startsWith('The capital of France is Paris.')).toBe(true);
    expect(answer).toContain('e.g.');
    expect(answer).toContain('3.14');
    expect(answer).toContain(',');
    expect(answer.split(/[.!?]\s+(?=[A-Z])/).length).toBeGreaterThanOrEqual(3);
    expect(answer).toContain('user turn 1');
    expect(answer).not.toContain('Earlier you asked');
  });

  it('is deterministic and quotes the latest and previous user messages', () => {
    const conversation = [
      { role: 'user', content: 'one' },
      { role: 'assistant', content: 'reply' },
      { role: 'user', content: 'two' },
      { role: 'user', content: 'three' },
    ];
    const answer = defaultAnswer(conversation);
    expect(answer).toBe(defaultAnswer(conversation));
    expect(answer).toContain('You asked: "three".');
    expect(answer).toContain('Earlier you asked: "two".');
    expect(answer).toContain('user turn 3');
    expect(answer.startsWith('The capital')).toBe(false);
  });
});

describe('tokenize', () => {
  it('splits into word pieces with trailing whitespace that join back losslessly', () => {
    expect(tokenize('Hello, big  world.\n')).toEqual(['Hello, ', 'big  ', 'world.\n']);
    expect(tokenize('  lead')).toEqual(['  ', 'lead']);
    expect(tokenize('')).toEqual([]);
    const text = defaultAnswer([{ role: 'user', content: 'x' }]);
    expect(tokenize(text).join('')).toBe(text);
  });
});
