import { afterEach, describe, expect, it } from 'vitest';
import { MAX_NESTING } from '../../../lib/chat/markdown-nesting.ts';
import { safeHref } from '../../../lib/chat/markdown.ts';
import { renderMarkdown, type RenderedMarkdown } from './support/render-markdown.svelte.ts';

let mounted: RenderedMarkdown[] = [];
afterEach(() => {
  for (const m of mounted) m.destroy();
  mounted = [];
});

function render(markdown: string): HTMLElement {
  const rendered = renderMarkdown(markdown);
  mounted.push(rendered);
  return rendered.root;
}

function hrefs(root: ParentNode): (string | null)[] {
  return [...root.querySelectorAll('a')].map((a) => a.getAttribute('href'));
}

function expectOnlySafeAnchors(root: ParentNode): void {
  for (const a of root.querySelectorAll('a')) {
    expect(a.getAttribute('href')).toMatch(/^(https?:|mailto:)/);
    expect(a.getAttribute('target')).toBe('_blank');
    expect(a.getAttribute('rel')).toBe('noopener noreferrer');
    expect(a.querySelector('a')).toBeNull();
  }
}

/** How many elements of `selector` are nested inside one another at most. */
function nestingOf(root: Element, selector: string): number {
  let max = 0;
  for (const el of root.querySelectorAll(selector)) {
    let depth = 0;
    for (let node: Element | null = el; node && node !== root; node = node.parentElement) if (node.matches(selector)) depth++;
    max = Math.max(max, depth);
  }
  return max;
}

describe('markdown rendering: hostile input', () => {
  it('shows <img onerror> as text: no image, no event handler attribute anywhere', () => {
    const root = render('Look: <img src=x onerror="alert(1)"> done\n\n<img src=y onerror=alert(2)>');
    expect(document.querySelector('img')).toBeNull();
    expect(document.querySelector('[onerror]')).toBeNull();
    expect(root.textContent).toContain('<img src=x onerror="alert(1)">');
    expect(root.textContent).toContain('<img src=y onerror=alert(2)>');
  });

  it('shows <script>, raw blocks and inline tags as inert text', () => {
    const root = render('<script>alert(1)</script>\n\n<div onclick="x()">hi</div>\n\nafter <b>bold?</b> <svg onload=alert(3)></svg>');
    for (const tag of ['script', 'div', 'b', 'svg']) expect(root.querySelector(tag), tag).toBeNull();
    expect(document.querySelector('script')).toBeNull();
    expect(document.querySelector('[onclick], [onload]')).toBeNull();
    expect(root.textContent).toContain('<script>alert(1)</script>');
    expect(root.textContent).toContain('<b>bold?</b>');
  });

  it('never passes model text through an HTML parser', () => {
    const seen: string[] = [];
    const restore: (() => void)[] = [];
    const spySetter = (proto: object, name: string) => {
      const descriptor = Object.getOwnPropertyDescriptor(proto, name);
      if (!descriptor?.set) return;
      const set = descriptor.set;
      Object.defineProperty(proto, name, {
        ...descriptor,
        set(this: Element, value: string) {
          seen.push(String(value));
          set.call(this, value);
        },
      });
      restore.push(() => Object.defineProperty(proto, name, descriptor));
    };
    const spyMethod = <T extends object>(proto: T, name: keyof T & string) => {
      const original = proto[name] as (...args: unknown[]) => unknown;
      Object.defineProperty(proto, name, {
        configurable: true,
        writable: true,
        value(this: unknown, ...args: unknown[]) {
          seen.push(args.map(String).join(' '));
          return original.apply(this, args);
        },
      });
      restore.push(() => Object.defineProperty(proto, name, { configurable: true, writable: true, value: original }));
    };
    for (let proto: object | null = HTMLTemplateElement.prototype; proto; proto = Object.getPrototypeOf(proto) as object | null) {
      spySetter(proto, 'innerHTML');
      spySetter(proto, 'outerHTML');
    }
    spyMethod(Element.prototype, 'insertAdjacentHTML');
    spyMethod(Range.prototype, 'createContextualFragment');
    spyMethod(DOMParser.prototype, 'parseFromString');
    try {
      const root = render('# T1tle\n\n**MARK1** <i>MARK2</i> [MARK3](https://example.com) `MARK4`\n\n```\nMARK5\n```\n\n| MARK6 |\n|---|\n| MARK7 |');
      expect(root.textContent).toContain('MARK7');
    } finally {
      for (const undo of restore.reverse()) undo();
    }
    expect(seen.filter((html) => /MARK\d|T1tle/.test(html))).toEqual([]);
  });
});

describe('markdown rendering: links and images', () => {
  it('renders no anchor for javascript:, data:, vbscript: or relative URLs, only their text', () => {
    const root = render(
      [
        '[a](javascript:alert(1)) [b](JaVaScRiPt:alert(1)) [c](data:text/html,<script>alert(1)</script>)' +
          ' [d](vbscript:msgbox(1)) [e](/relative/path) [f](//evil.example/x) [g](java&#9;script:alert(1)) [h][ref]',
        '',
        '[ref]: javascript:alert(1)',
      ].join('\n'),
    );
    expect(root.querySelectorAll('a')).toHaveLength(0);
    expect(root.textContent).toMatch(/^a b c d e f g h$/m);
  });

  it('opens http(s) and mailto links in a new tab without an opener', () => {
    const root = render('See [docs](https://example.com/a?b=1 "Docs") or <https://example.org> or www.example.net or [mail](mailto:a@b.c).');
    expect(hrefs(root)).toEqual(['https://example.com/a?b=1', 'https://example.org/', 'http://www.example.net/', 'mailto:a@b.c']);
    expectOnlySafeAnchors(root);
    expect(root.querySelector('a')?.getAttribute('title')).toBe('Docs');
  });

  it('keeps nested emphasis inside a link', () => {
    const root = render('[**bold *both*** and ~~gone~~ `code`](https://example.com)');
    const a = root.querySelector('a');
    expect(a?.querySelector('strong > em')?.textContent).toBe('both');
    expect(a?.querySelector('del')?.textContent).toBe('gone');
    expect(a?.querySelector('code')?.textContent).toBe('code');
    expect(a?.textContent).toBe('bold both and gone code');
  });

  it('never nests anchors or keeps an unsafe inner link', () => {
    const root = render('[[inner](javascript:alert(1))](https://example.com) and [![x](https://e.com/i.png)](https://example.com)');
    expect(hrefs(root).every((href) => href?.startsWith('https:'))).toBe(true);
    expectOnlySafeAnchors(root);
    expect(root.textContent).toContain('inner');
  });

  it('turns images into links or alt text, never an <img>', () => {
    const root = render('![a chart](https://example.com/c.png) ![evil](javascript:alert(1)) ![](https://example.com/blank.png)');
    expect(root.querySelector('img')).toBeNull();
    expect(hrefs(root)).toEqual(['https://example.com/c.png', 'https://example.com/blank.png']);
    expectOnlySafeAnchors(root);
    expect(root.querySelector('a')?.textContent).toBe('a chart');
    expect(root.textContent).toContain('evil');
  });

  it('safeHref accepts only absolute http(s) and mailto URLs', () => {
    expect(safeHref(' https://example.com/x ')).toBe('https://example.com/x');
    expect(safeHref('MAILTO:a@b.c')).toBe('mailto:a@b.c');
    for (const bad of ['javascript:alert(1)', 'java\nscript:alert(1)', 'data:text/html,x', 'vbscript:x', 'file:///etc/passwd', '/x', 'x.html', '//evil.example', '']) {
      expect(safeHref(bad), bad).toBeUndefined();
    }
  });
});

describe('markdown rendering: structure', () => {
  it('renders lists, task lists, quotes, rules and line breaks as elements', () => {
    const root = render('3. three\n4. *four*\n\n- a\n  - nested\n- [x] done\n- [ ] todo\n\n> quoted\n> line two\n\n---\n\n~~old~~');
    const ol = root.querySelector('ol');
    expect(ol?.getAttribute('start')).toBe('3');
    expect(root.querySelectorAll('ol > li')).toHaveLength(2);
    expect(root.querySelector('ol em')?.textContent).toBe('four');
    expect(root.querySelector('ul > li > ul > li')?.textContent).toBe('nested');
    const items = [...root.querySelectorAll(':scope > ul > li')].map((li) => li.textContent);
    expect(items.slice(1)).toEqual(['[x] done', '[ ] todo']);
    expect(root.querySelector('input')).toBeNull();
    expect(root.querySelector('blockquote br')).not.toBeNull();
    expect(root.querySelector('blockquote')?.textContent).toBe('quotedline two');
    expect(root.querySelector('hr')).not.toBeNull();
    expect(root.querySelector('del')?.textContent).toBe('old');
  });

  it('leaves out start on a list that starts at 1', () => {
    expect(render('1. a\n2. b').querySelector('ol')?.hasAttribute('start')).toBe(false);
  });

  it('renders code blocks and spans literally, with a language only when it is a plain word', () => {
    const root = render('Use `a<b &amp; c`.\n\n```js\nconst x = 1 < 2 && "&amp;";\n```\n\n```"><script>alert(1)</script>\nplain\n```');
    expect(root.querySelector('p code')?.textContent).toBe('a<b &amp; c');
    const [js, odd] = [...root.querySelectorAll('pre > code')];
    expect(js?.textContent).toBe('const x = 1 < 2 && "&amp;";');
    expect(js?.getAttribute('data-language')).toBe('js');
    expect(js?.getAttribute('class')).toBeNull();
    expect(odd?.hasAttribute('data-language')).toBe(false);
    expect(root.querySelector('script')).toBeNull();
  });

  it('renders headings as h3 to h6', () => {
    const root = render('# One\n\n## Two\n\n#### Four');
    expect([...root.querySelectorAll('h1, h2, h3, h4, h5, h6')].map((h) => `${h.tagName}:${h.textContent}`)).toEqual(['H3:One', 'H4:Two', 'H6:Four']);
  });

  it('renders tables with a head, a body and alignment', () => {
    const root = render('| a | **b** |\n|:---|---:|\n| 1 | 2 |\n| 3 | 4 |');
    expect(root.querySelectorAll('table > thead > tr > th')).toHaveLength(2);
    expect(root.querySelector('th strong')?.textContent).toBe('b');
    expect(root.querySelectorAll('table > tbody > tr > td')).toHaveLength(4);
    expect(root.querySelector('td:last-child')?.getAttribute('style')).toMatch(/text-align:\s*right/);
  });

  it('puts no stray spaces between inline pieces and decodes character references in text', () => {
    expect(render('a **b**, *c* and `d`.\n\n').textContent).toBe('a b, c and d.');
    const root = render('AT&amp;T &copy; &#65; &lt;script&gt; &bogus;');
    expect(root.textContent).toBe('AT&T © A <script> &bogus;');
    expect(root.querySelector('script')).toBeNull();
  });
});

describe('markdown rendering: streaming and limits', () => {
  const reply = [
    'Here is **the plan** with a [link](https://example.com/docs).',
    '',
    '1. first',
    '2. second',
    '',
    '```ts',
    'const a = 1;',
    '```',
    '',
    '| k | v |',
    '|---|---|',
    '| x | y |',
    '',
    'Done.',
  ].join('\n');

  it('renders every prefix of a reply sensibly and ends identical to a fresh render', () => {
    const stream = renderMarkdown('');
    mounted.push(stream);
    let firstParagraph: Element | null = null;
    for (let end = 1; end <= reply.length; end++) {
      const partial = reply.slice(0, end);
      stream.update(partial);
      expectOnlySafeAnchors(stream.root);
      if (end === 40) firstParagraph = stream.root.querySelector('p');
      // An unclosed fence is already a code block holding what has arrived.
      if (partial.endsWith('const a')) expect(stream.root.querySelector('pre > code')?.textContent).toBe('const a');
    }
    expect(firstParagraph).not.toBeNull();
    // Earlier blocks keep their elements as the reply grows.
    expect(stream.root.querySelector('p')).toBe(firstParagraph);
    expect(stream.root.innerHTML).toBe(render(reply).innerHTML);
  });

  it('shows half a link as text until it closes', () => {
    const stream = renderMarkdown('See [the docs](https://exam');
    mounted.push(stream);
    expect(stream.root.textContent).toBe('See [the docs](https://exam');
    expect(hrefs(stream.root).every((href) => href === 'https://exam/')).toBe(true);
    stream.update('See [the docs](https://example.com)');
    expect(hrefs(stream.root)).toEqual(['https://example.com/']);
    expect(stream.root.textContent).toBe('See the docs');
  });

  it.each([
    ['a 1000-deep blockquote on one line', `${'>'.repeat(1000)} deep`],
    ['1000 lines of ever deeper quotes', Array.from({ length: 1000 }, (_, i) => `${'> '.repeat(i + 1)}deep`).join('\n')],
    ['a 1000-deep indented list', Array.from({ length: 1000 }, (_, i) => `${'  '.repeat(i)}- deep`).join('\n')],
    ['a 1000-deep list on one line', `${'- '.repeat(1000)}deep`],
    ['1000 nested emphasis markers', `${'*_'.repeat(500)}deep${'_*'.repeat(500)}`],
    ['1000 nested links', `${'['.repeat(1000)}deep${'](https://example.com)'.repeat(1000)}`],
  ])('renders %s without overflowing the stack', (_name, markdown) => {
    const root = render(`before\n\n${markdown}`);
    expect(root.textContent).toContain('before');
    expect(root.textContent).toContain('deep');
    expect(nestingOf(root, 'blockquote')).toBeLessThanOrEqual(MAX_NESTING);
    expect(nestingOf(root, 'ul, ol')).toBeLessThanOrEqual(MAX_NESTING);
    expect(nestingOf(root, 'em, strong')).toBeLessThanOrEqual(MAX_NESTING);
    expectOnlySafeAnchors(root);
  });

  it('still renders structure up to the nesting limit', () => {
    const root = render(Array.from({ length: 10 }, (_, i) => `${'> '.repeat(i + 1)}level ${i + 1}`).join('\n\n'));
    expect(nestingOf(root, 'blockquote')).toBe(10);
  });
});
