import { describe, expect, it } from 'vitest';
import { findNestingOverflow } from '../../../lib/chat/markdown-nesting.ts';

describe('findNestingOverflow', () => {
  it('finds the first line nested past the limit', () => {
    const text = ['> a', '> > b', '> > > c', '> > > > d'].join('\n');
    expect(findNestingOverflow(text, 3)).toBe(text.indexOf('> > > > d'));
    expect(findNestingOverflow(text, 4)).toBe(-1);
  });

  it('counts list markers and indentation', () => {
    const list = ['- a', '  - b', '    - c'].join('\n');
    expect(findNestingOverflow(list, 2)).toBe(list.indexOf('    - c'));
    expect(findNestingOverflow('1. 2) - * + x', 4)).toBe(0);
    expect(findNestingOverflow('1. 2) - * + x', 5)).toBe(-1);
  });

  it('does not count a thematic break or prose as containers', () => {
    expect(findNestingOverflow('-----\n***\nplain > text', 0)).toBe(-1);
  });

  it('ignores lines inside a fenced code block, until it closes', () => {
    const deep = '>'.repeat(50);
    // Neither another character nor a shorter run closes a fence.
    const fenced = ['````', deep, '~~~', deep, '```', deep].join('\n');
    expect(findNestingOverflow(fenced, 10)).toBe(-1);
    const closed = ['```', deep, '```', deep].join('\n');
    expect(findNestingOverflow(closed, 10)).toBe(closed.lastIndexOf(deep));
  });
});
