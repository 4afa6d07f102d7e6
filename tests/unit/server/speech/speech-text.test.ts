import { describe, expect, it } from 'vitest';
import { createSentenceSplitter } from '../../../../server/speech/sentence-splitter.ts';
import { CODE_BLOCK_PHRASE, createSpeechTextCleaner, urlHost } from '../../../../server/speech/speech-text.ts';

const clean = (text: string) => createSpeechTextCleaner().clean(text);

describe('speech text', () => {
  it.each([
    ['## Summary', 'Summary'],
    ['The **capital** of _France_ is ~~Lyon~~ *Paris*.', 'The capital of France is Lyon Paris.'],
    ['Run `npm ci` first.', 'Run npm ci first.'],
    ['See [the docs](https://developer.mozilla.org/en-US/docs/Web_(API)) now.', 'See the docs now.'],
    ['Look: ![a chart](https://x.example/c.png)', 'Look: a chart'],
    ['Go to https://www.example.com/a/b?x=1&y=2.', 'Go to example.com.'],
    ['Or www.wikipedia.org/wiki/Paris, or <https://docs.python.org/3/>', 'Or wikipedia.org, or docs.python.org'],
    ['> quoted advice', 'quoted advice'],
    ['- first item\n- second item', 'first item. second item'],
    ['1. one\n2) two', 'one. two'],
    ['| city | people |\n|---|:---:|\n| Paris | 2 M |', 'city, people. Paris, 2 M'],
    ['---', ''],
    ['Keep snake_case and 3 * 4 intact.', 'Keep snake_case and 3 4 intact.'],
    ['<b>bold</b> claim', 'bold claim'],
  ])('reads %j as %j', (input, spoken) => {
    expect(clean(input)).toBe(spoken);
  });

  it('says one phrase for a code block spread over several sentences', () => {
    const cleaner = createSpeechTextCleaner();
    const sentences = ['Here is how:\n```js\nconst x = 1;', 'console.log(x);', '```\nThat is all.'];
    expect(sentences.map((s) => cleaner.clean(s))).toEqual([`Here is how: ${CODE_BLOCK_PHRASE}`, '', 'That is all.']);
  });

  it('leaves no markdown symbol in a realistic answer split as the relay splits it', () => {
    const answer = [
      '# Sorting in Python',
      'Use **`sorted()`** for a new list, see https://docs.python.org/3/howto/sorting.html for more.',
      '```python',
      'items = sorted(items, key=len)  # by length',
      'print(items)',
      '```',
      '- It is *stable*.',
      '- It takes a `key`.',
      '',
      'That is all!',
    ].join('\n');
    const splitter = createSentenceSplitter('en');
    const cleaner = createSpeechTextCleaner();
    const sentences = [...splitter.push(answer), ...splitter.flush()];
    const spoken = sentences.map((s) => cleaner.clean(s)).join(' ');
    expect(spoken).not.toMatch(/[*#`|_[\]]|https?:|print|items =/);
    expect(spoken).toContain('docs.python.org');
    expect(spoken.match(new RegExp(CODE_BLOCK_PHRASE, 'g'))).toHaveLength(1);
    expect(spoken).toContain('That is all!');
  });

  it('shortens URLs to their host', () => {
    expect(urlHost('https://www.example.com/path')).toBe('example.com');
    expect(urlHost('http://127.0.0.1:3001/healthz')).toBe('127.0.0.1');
    expect(urlHost('www.example.org')).toBe('example.org');
  });
});
