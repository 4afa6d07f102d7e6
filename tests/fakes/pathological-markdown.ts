/** The last line of `pathologicalMarkdown()`: seeing it means the whole answer arrived. */
export const PATHOLOGICAL_END = 'End of the long answer.';

/**
 * About `size` characters of markdown that is hard to parse and render: emphasis, code and
 * links opened and rarely closed in long unbroken paragraphs, deep quote and list nesting,
 * long ordered lists and tables. Used by the long-answer E2E test and bench scenario 7.
 */
export function pathologicalMarkdown(size = 40_000): string {
  const parts: string[] = [];
  let length = 0;
  for (let round = 0; length < size; round++) {
    const kind = round % 4;
    let part: string;
    if (kind === 0) part = '**bold *it _x __y ~~z `c [l](http://a) '.repeat(60);
    else if (kind === 1) part = `${'> '.repeat(12)}${'- '.repeat(12)}${'*a _b '.repeat(40)}`;
    else if (kind === 2) part = Array.from({ length: 30 }, (_, i) => `${i + 1}. *item ${'**'.repeat(i % 5)}text_ ${'`'.repeat(i % 3)}`).join('\n');
    else part = '| a | *b | **c |\n|---|---|---|\n' + '| *x | _y | **z |\n'.repeat(30);
    parts.push(part);
    length += part.length + 2;
  }
  parts.push(PATHOLOGICAL_END);
  return parts.join('\n\n');
}
