import { describe, expect, it } from 'vitest';
import { renderMarkdown } from '../../../lib/chat/markdown.ts';
import { installSpecDomForSanitizer } from './support/spec-dom.ts';

installSpecDomForSanitizer();

function render(markdown: string): HTMLElement {
  const div = document.createElement('div');
  div.innerHTML = renderMarkdown(markdown);
  return div;
}

describe('renderMarkdown', () => {
  it('never emits an image or an event handler for <img onerror>', () => {
    const html = renderMarkdown('Look: <img src=x onerror="alert(1)"> done');
    const div = render('Look: <img src=x onerror="alert(1)"> done');
    expect(div.querySelector('img')).toBeNull();
    expect(html).not.toMatch(/<img/i);
    expect(div.querySelector('[onerror]')).toBeNull();
    // Shown as text, so the user sees what the model wrote.
    expect(div.textContent).toContain('<img src=x onerror="alert(1)">');
  });

  it('drops <script> blocks and raw HTML blocks as markup', () => {
    const div = render('<script>alert(1)</script>\n\n<div onclick="x()">hi</div>\n\nafter');
    expect(div.querySelector('script')).toBeNull();
    expect(div.querySelector('div')).toBeNull();
    expect(div.querySelector('[onclick]')).toBeNull();
    expect(div.textContent).toContain('after');
  });

  it('drops markdown images', () => {
    const div = render('![alt text](https://example.com/x.png)');
    expect(div.querySelector('img')).toBeNull();
  });

  it('removes javascript: and data: links but keeps their text', () => {
    const div = render('[click](javascript:alert(1)) and [data](data:text/html,<script>alert(1)</script>) and [v](JaVaScRiPt:alert(1))');
    for (const a of div.querySelectorAll('a')) {
      const href = a.getAttribute('href');
      expect(href === null || /^(https?:|mailto:)/i.test(href)).toBe(true);
    }
    expect(div.innerHTML).not.toMatch(/javascript:/i);
    expect(div.textContent).toContain('click');
  });

  it('opens safe links in a new tab without an opener', () => {
    const div = render('See [docs](https://example.com/a?b=1) or <https://example.org> or [mail](mailto:a@b.c).');
    const links = [...div.querySelectorAll('a')];
    expect(links.map((a) => a.getAttribute('href'))).toEqual(['https://example.com/a?b=1', 'https://example.org', 'mailto:a@b.c']);
    for (const a of links) {
      expect(a.getAttribute('target')).toBe('_blank');
      expect(a.getAttribute('rel')).toBe('noopener noreferrer');
    }
  });

  it('handles nested markdown links without producing unsafe hrefs', () => {
    const div = render('[[inner](javascript:alert(1))](https://example.com)');
    expect(div.innerHTML).not.toMatch(/javascript:/i);
    const hrefs = [...div.querySelectorAll('a')].map((a) => a.getAttribute('href'));
    expect(hrefs.every((href) => href === null || href.startsWith('https:'))).toBe(true);
  });

  it('keeps lists, emphasis, inline code and code blocks', () => {
    const div = render('**Steps**\n\n1. one\n2. *two*\n\n- a\n- b\n\nUse `npm test`.\n\n```js\nconst x = 1 < 2;\n```');
    expect(div.querySelector('strong')?.textContent).toBe('Steps');
    expect(div.querySelectorAll('ol > li')).toHaveLength(2);
    expect(div.querySelectorAll('ul > li')).toHaveLength(2);
    expect(div.querySelector('em')?.textContent).toBe('two');
    expect(div.querySelector('p code')?.textContent).toBe('npm test');
    expect(div.querySelector('pre code')?.textContent).toBe('const x = 1 < 2;\n');
  });

  it('strips attributes outside the allowlist', () => {
    // marked adds class="language-python"; classes are not on the allowlist.
    const fenced = render('```python\nprint(1)\n```');
    expect(fenced.querySelector('pre code')?.getAttribute('class')).toBeNull();
    expect(fenced.querySelector('pre code')?.textContent).toBe('print(1)\n');
  });

  it('keeps tables', () => {
    const div = render('| a | b |\n|---|---|\n| 1 | 2 |');
    expect(div.querySelectorAll('table td')).toHaveLength(2);
  });
});
