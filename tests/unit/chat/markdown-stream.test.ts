import { describe, expect, it } from 'vitest';
import { parseMarkdown, type MdBlock } from '../../../lib/chat/markdown.ts';
import { createMarkdownStream } from '../../../lib/chat/markdown-stream.ts';

const REPLY = [
  '# Title',
  '',
  'A paragraph with **bold** and a [link](https://example.com).',
  '',
  '```js',
  'const a = 1;',
  '',
  'const b = 2; // a blank line inside a fence does not end a section',
  '```',
  '',
  '| a | b |',
  '|---|---|',
  '| 1 | 2 |',
  '',
  '> a quote',
  '',
  'The end.',
].join('\n');

/** Feeds `text` a few characters at a time, as a stream would. */
function stream(text: string, step = 3) {
  const calls: string[] = [];
  const md = createMarkdownStream((markdown) => {
    calls.push(markdown);
    return parseMarkdown(markdown);
  });
  let blocks: MdBlock[] = [];
  for (let end = step; end < text.length + step; end += step) blocks = md.parse(text.slice(0, end));
  return { md, blocks, calls };
}

describe('createMarkdownStream', () => {
  it('renders a streamed reply exactly as parsing it whole would', () => {
    expect(stream(REPLY).blocks).toEqual(parseMarkdown(REPLY));
    expect(stream(REPLY, 1).blocks).toEqual(parseMarkdown(REPLY));
  });

  it('parses each finished section once, so the work per chunk stays small', () => {
    const long = Array.from({ length: 200 }, (_, i) => `Paragraph ${i} with *emphasis* and **more**.`).join('\n\n');
    const { calls, blocks } = stream(long, 7);
    expect(blocks).toEqual(parseMarkdown(long));
    const parsedChars = calls.reduce((sum, markdown) => sum + markdown.length, 0);
    // Re-parsing everything per chunk would be ~ length² / (2 × step) ≈ 600,000 characters here.
    expect(parsedChars).toBeLessThan(long.length * 12);
  });

  it('keeps the objects of finished blocks across chunks', () => {
    const md = createMarkdownStream();
    const first = md.parse('One.\n\nTwo.\n\nThr');
    const second = md.parse('One.\n\nTwo.\n\nThree and more.');
    const third = md.parse('One.\n\nTwo.\n\nThree and more.\n\nFour.');
    const fourth = md.parse('One.\n\nTwo.\n\nThree and more.\n\nFour. Five.');
    // "One." was finished in the first chunk; "Two." once the line after it was complete.
    expect(second[0]).toBe(first[0]);
    expect(third[0]).toBe(first[0]);
    expect(fourth[1]).toBe(third[1]);
    expect(fourth).toEqual(parseMarkdown('One.\n\nTwo.\n\nThree and more.\n\nFour. Five.'));
  });

  it('never ends a section inside a fence or before an indented continuation', () => {
    const fenced = '```\ncode\n\nmore code\n```\n\nafter';
    expect(stream(fenced, 1).blocks).toEqual(parseMarkdown(fenced));
    const item = '- item\n\n  continued paragraph of the item\n\nnext';
    expect(stream(item, 1).blocks).toEqual(parseMarkdown(item));
  });

  it('starts over when the text is not a continuation', () => {
    const md = createMarkdownStream();
    md.parse('First answer.\n\nIts second paragraph.');
    expect(md.parse('Another text entirely.')).toEqual(parseMarkdown('Another text entirely.'));
  });
});
