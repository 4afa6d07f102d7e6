// What "Ask about this page" keeps and drops, on fixture pages (issue 12): an article with
// navigation, ads and comments; a documentation page; pages with almost no text; a huge page.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EXTRACT_MAX_CHARS, extractPage, READABILITY_MAX_ELEMENTS } from '../../../lib/context/page-extract.ts';
import type { PageExtract } from '../../../lib/context/extract-result.ts';
import { extractSelection } from '../../../lib/context/selection-extract.ts';
import { hugePageHtml } from '../../fixtures/pages/huge-page.ts';

// Vitest runs from the repository root; happy-dom's environment gives import.meta.url an http: base.
const fixture = (name: string) => readFileSync(resolve('tests/fixtures/pages', name), 'utf8');
const parse = (html: string) => new DOMParser().parseFromString(html, 'text/html');

function extracted(html: string, href = 'https://news.example/reviews/lumen-3?utm_source=x&session=secret#comments'): PageExtract {
  const result = extractPage(parse(html), href);
  if (!result.ok) throw new Error(`${result.code}: ${result.message}`);
  return result.value;
}

describe('extractPage', () => {
  it('keeps an article and drops navigation, ads, comments, sidebar, footer and scripts', () => {
    const page = extracted(fixture('article.html'));
    expect(page.via).toBe('readability');
    expect(page.title).toContain('Lumen 3 review: a lamp that listens');
    for (const kept of ['The Lumen 3 costs 89 euros and ships from Lisbon', 'Its battery lasts eleven hours', 'Light and battery', 'Just try to ignore the app.'])
      expect(page.text).toContain(kept);
    for (const dropped of ['Smart home', 'SPONSORED', 'ADVERTISEMENT', 'FIRST COMMENT', 'use candles', 'Most read', 'All rights reserved', 'trackPageView', 'height: 250px'])
      expect(page.text).not.toContain(dropped);
    // Paragraphs stay apart, which the model and the sentence splitter both rely on.
    expect(page.text).toMatch(/two working days\.[^\n]*\n\n/);
    expect(page.originalChars).toBe(page.text.length);
  });

  it('names the page by origin and path only: no query string or fragment leaves the page', () => {
    expect(extracted(fixture('article.html')).url).toBe('https://news.example/reviews/lumen-3');
    expect(extracted(fixture('article.html'), 'file:///home/me/notes.html').url).toBeUndefined();
  });

  it('keeps a documentation page\'s prose, code and table but not its menu, search or footer', () => {
    const page = extracted(fixture('docs.html'));
    expect(page.title).toBe('createRelayClient() — Parley API reference');
    for (const kept of ['Creates a client that keeps one WebSocket open', 'function createRelayClient(options: RelayClientOptions): RelayClient', '  // options.url', 'heartbeatMs | 20000', 'closes the socket with code 4401', '- A slow consumer'])
      expect(page.text).toContain(kept);
    for (const dropped of ['Changelog', 'send()', 'Edit this page on GitHub', 'Search the docs'])
      expect(page.text).not.toContain(dropped);
  });

  it('takes what little a sparse page has, without its navigation or footer', () => {
    const page = extracted(fixture('sparse.html'));
    expect(page.via).toBe('body');
    expect(page.text).toBe('Welcome back');
  });

  it('refuses a page with no text at all, saying so', () => {
    expect(extractPage(parse(fixture('empty.html')), 'https://example.com/photo')).toEqual({
      ok: false,
      code: 'NO_CONTENT',
      message: 'This page has no text to attach.',
    });
  });

  it('reads a huge page without Readability, capped, and leaves its navigation and share links behind', () => {
    // Scaled down (happy-dom is ~50x slower than a browser); bench/ measures the real size in Chromium.
    const doc = parse(hugePageHtml(500));
    const maxElements = 5000;
    expect(doc.getElementsByTagName('*').length).toBeGreaterThan(maxElements);
    const all = extractPage(doc, 'https://archive.example/', { maxElements });
    if (!all.ok) throw new Error(all.message);
    expect(all.value).toMatchObject({ via: 'body', complete: true });
    expect(all.value.text.startsWith('Entry 0\n\nEntry 0 begins here.')).toBe(true);
    expect(all.value.text).toContain('Entry 499 begins here.');
    expect(all.value.text).not.toMatch(/Archive footer|Share|Tweet|^Home/m);

    const capped = extractPage(doc, 'https://archive.example/', { maxElements, maxChars: 10_000 });
    if (!capped.ok) throw new Error(capped.message);
    expect(capped.value).toMatchObject({ via: 'body', complete: false, originalChars: capped.value.text.length });
    expect(capped.value.text.length).toBeLessThanOrEqual(10_000);
    expect(capped.value.text.length).toBeGreaterThan(9_000);
    expect(all.value.text.startsWith(capped.value.text)).toBe(true);
    expect(READABILITY_MAX_ELEMENTS).toBeGreaterThan(maxElements);
    expect(EXTRACT_MAX_CHARS).toBeGreaterThan(10_000);
  });

  it('does not touch the page it reads', () => {
    const doc = parse(fixture('article.html'));
    const before = doc.documentElement.outerHTML;
    extracted(fixture('article.html'));
    extractPage(doc, 'https://news.example/');
    expect(doc.documentElement.outerHTML).toBe(before);
  });
});

describe('extractSelection', () => {
  it('takes the selected text only, with the page title', () => {
    const doc = parse(fixture('article.html'));
    const paragraph = [...doc.querySelectorAll('p')].find((p) => p.textContent?.includes('89 euros'));
    const selection = { toString: () => `  ${paragraph?.textContent ?? ''}\r\n` } as Selection;
    const result = extractSelection(doc, selection, 'https://news.example/reviews/lumen-3?x=1');
    expect(result).toEqual({
      ok: true,
      value: {
        kind: 'selection',
        title: 'Lumen 3 review: a lamp that listens | Gadget Weekly',
        url: 'https://news.example/reviews/lumen-3',
        text: paragraph?.textContent?.trim(),
        originalChars: paragraph?.textContent?.trim().length,
        complete: true,
        via: 'selection',
      },
    });
  });

  it('refuses an empty selection', () => {
    const result = extractSelection(parse('<p>x</p>'), { toString: () => ' ' } as Selection, 'https://a.example/');
    expect(result.ok ? undefined : result.code).toBe('NO_SELECTION');
  });
});
