// @vitest-environment node
import { describe, expect, it } from 'vitest';
import { createSentenceSplitter, MAX_SENTENCE_CHARS } from '../../../../server/speech/sentence-splitter.ts';

/** Small seeded PRNG so a failing split can be reproduced from the seed in the test name. */
function mulberry32(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function splitWhole(text: string, locale = 'en'): string[] {
  const splitter = createSentenceSplitter(locale);
  return [...splitter.push(text), ...splitter.flush()];
}

function splitStreaming(text: string, nextSize: () => number, locale = 'en'): string[] {
  const splitter = createSentenceSplitter(locale);
  const out: string[] = [];
  for (let i = 0; i < text.length; ) {
    const size = nextSize();
    out.push(...splitter.push(text.slice(i, i + size)));
    i += size;
  }
  return [...out, ...splitter.flush()];
}

const longSentence = `${Array.from({ length: 60 }, (_, i) => `clause number ${i}, `).join('')}end of it.`;

const cases: Array<{ name: string; text: string; sentences: string[] }> = [
  {
    name: 'e.g. and i.e.',
    text: 'Use a default, e.g. its first value. Or pick one, i.e. The second value here.',
    sentences: ['Use a default, e.g. its first value.', 'Or pick one, i.e. The second value here.'],
  },
  {
    name: 'titles',
    text: 'Please ask my colleague Dr. Smith about it tomorrow. She knows Mr. Brown well too.',
    sentences: ['Please ask my colleague Dr. Smith about it tomorrow.', 'She knows Mr. Brown well too.'],
  },
  {
    name: 'decimals',
    text: 'Pi is roughly 3.14 in most everyday uses. It costs $3.50 or about 2.99 euros.',
    sentences: ['Pi is roughly 3.14 in most everyday uses.', 'It costs $3.50 or about 2.99 euros.'],
  },
  {
    name: 'URLs',
    text: 'See https://example.com/a.b?x=1.2 for more details on this. Next, read https://Docs.Example.org/Guide.html today.',
    sentences: ['See https://example.com/a.b?x=1.2 for more details on this.', 'Next, read https://Docs.Example.org/Guide.html today.'],
  },
  {
    name: 'ellipses',
    text: 'Wait... what did you just say to me? Yes, I heard you the first time… Then it stopped working.',
    // ICU does not treat "…" (U+2026) as a sentence end; running on is fine for speech.
    sentences: ['Wait... what did you just say to me?', 'Yes, I heard you the first time… Then it stopped working.'],
  },
  {
    name: 'CJK',
    text: '你好，很高兴见到你。今天天气很好，我们去公园散步吧！你觉得怎么样？',
    sentences: ['你好，很高兴见到你。', '今天天气很好，我们去公园散步吧！', '你觉得怎么样？'],
  },
  {
    name: 'markdown list',
    text: 'Here are your options:\n- First item in the list\n- Second item in the list\n1. One more numbered thing\n2. Two more numbered things',
    sentences: ['Here are your options:', '- First item in the list', '- Second item in the list', '1. One more numbered thing', '2. Two more numbered things'],
  },
  {
    name: 'short sentences merge forward, the last stays alone',
    text: 'Sure! The capital of France is Paris. It has been for ages. Ok.',
    sentences: ['Sure! The capital of France is Paris.', 'It has been for ages.', 'Ok.'],
  },
  {
    name: 'parenthesis after a number',
    text: 'The number of items he counted was 3. (and more) before he left. The end came soon after that.',
    sentences: ['The number of items he counted was 3. (and more) before he left.', 'The end came soon after that.'],
  },
];

describe('createSentenceSplitter', () => {
  it.each(cases)('splits $name', ({ text, sentences }) => {
    expect(splitWhole(text)).toEqual(sentences);
  });

  it.each(cases)('gives the same sentences for $name fed in random-sized deltas', ({ text, sentences }) => {
    for (let seed = 1; seed <= 25; seed++) {
      const random = mulberry32(seed);
      expect(splitStreaming(text, () => 1 + Math.floor(random() * 8)), `seed ${seed}`).toEqual(sentences);
    }
    expect(splitStreaming(text, () => 1), 'one character at a time').toEqual(sentences);
  });

  it('cuts an overlong sentence at a comma, the same way whole or streamed', () => {
    const whole = splitWhole(longSentence);
    expect(whole.length).toBeGreaterThan(1);
    for (const sentence of whole) expect(sentence.length).toBeLessThanOrEqual(MAX_SENTENCE_CHARS);
    for (const sentence of whole.slice(0, -1)) expect(sentence.endsWith(',')).toBe(true);
    expect(whole.join(' ')).toBe(longSentence.trim());
    const random = mulberry32(7);
    expect(splitStreaming(longSentence, () => 1 + Math.floor(random() * 12))).toEqual(whole);
  });

  it('emits a long unfinished sentence before it ends', () => {
    const splitter = createSentenceSplitter('en');
    const emitted = splitter.push(longSentence.slice(0, MAX_SENTENCE_CHARS + 50));
    expect(emitted).toHaveLength(1);
    expect(longSentence.startsWith(emitted[0] ?? '')).toBe(true);
  });

  it('hard-cuts text without spaces without splitting a surrogate pair', () => {
    const text = '😀'.repeat(MAX_SENTENCE_CHARS);
    const sentences = splitWhole(text);
    expect(sentences.join('')).toBe(text);
    for (const sentence of sentences) expect(sentence.length).toBeLessThanOrEqual(MAX_SENTENCE_CHARS);
    for (const sentence of sentences) expect(sentence.length % 2).toBe(0);
  });

  it('never completes "3." or "e.g." before the next delta decides', () => {
    const splitter = createSentenceSplitter('en');
    expect(splitter.push('The value of pi is about 3.')).toEqual([]);
    expect(splitter.push('14')).toEqual([]);
    expect(splitter.push(' and a common example, e.g. ')).toEqual([]);
    expect(splitter.push('its use in circles, is well known. ')).toEqual([
      'The value of pi is about 3.14 and a common example, e.g. its use in circles, is well known.',
    ]);
    expect(splitter.flush()).toEqual([]);
  });

  it('emits the first sentence on the delta that carries "Paris. ", without waiting for the next word', () => {
    const splitter = createSentenceSplitter('en');
    expect(splitter.push('The capital of France is Paris')).toEqual([]);
    expect(splitter.push('.')).toEqual([]);
    expect(splitter.push(' ')).toEqual(['The capital of France is Paris.']);
    expect(splitter.push('It is big.')).toEqual([]);
    expect(splitter.flush()).toEqual(['It is big.']);

    const whole = createSentenceSplitter('en');
    expect(whole.push('The capital of France is Paris. ')).toEqual(['The capital of France is Paris.']);
  });

  it.each([
    ['a question', 'Is the capital of France really Paris? ', ['Is the capital of France really Paris?']],
    ['a quote', 'And then she said, "It is Paris." ', ['And then she said, "It is Paris."']],
    ['a line break', 'Here are the options for you:\n', ['Here are the options for you:']],
    ['CJK with a space', '你好，很高兴见到你。 ', ['你好，很高兴见到你。']],
  ])('emits a sentence ended by %s and whitespace at once', (_, text, sentences) => {
    expect(createSentenceSplitter('en').push(text)).toEqual(sentences);
  });

  it.each([
    ['a lone number', 'The number of items he counted was 3. '],
    ['an initial', 'The letter was signed by John A. '],
    ['an abbreviation', 'Please ask my colleague, Dr. '],
    ['a dotted abbreviation', 'Prices in the U.S. '],
    ['an ellipsis', 'Wait, I need to think about this... '],
    ['a period without a space', 'The site is called example.'],
  ])('holds back a "." after %s until the next word decides', (_, text) => {
    expect(createSentenceSplitter('en').push(text)).toEqual([]);
  });

  it('flushes nothing for empty or blank input', () => {
    const splitter = createSentenceSplitter();
    expect(splitter.push('')).toEqual([]);
    expect(splitter.push('  \n ')).toEqual([]);
    expect(splitter.flush()).toEqual([]);
  });
});
