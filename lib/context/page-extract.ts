// What "Ask about this page" and "Read this page aloud" take from a page: its main content by
// Mozilla's Readability (Firefox Reader View's engine), else the body without navigation and
// chrome, as plain text. Runs inside the page only when the user asks (entrypoints/extract-page.ts
// is injected on demand, never part of the launcher), on a clone, so the page is not touched.
import { Readability } from '@mozilla/readability';
import { domToText, type DomText } from './dom-text.ts';
import { cleanUrl, EXTRACT_MAX_CHARS, ExtractErrorCode, oneLine, type ExtractResult } from './extract-result.ts';

export { EXTRACT_MAX_CHARS } from './extract-result.ts';

/** Past this many elements Readability's scoring takes seconds; such pages go the body path. */
export const READABILITY_MAX_ELEMENTS = 30_000;
/** Readability gives up below this much article text (its default is 500); short pages use the body path. */
const CHAR_THRESHOLD = 300;

/** Page furniture the body path drops: navigation, site header/footer, sidebars, forms, ads, comments. */
const CHROME_SELECTOR = [
  'nav', 'header', 'footer', 'aside', 'form', 'dialog', '[role="navigation"]', '[role="banner"]',
  '[role="contentinfo"]', '[role="complementary"]', '[role="search"]', '[aria-hidden="true"]', '[hidden]',
  '[id*="comments" i]', '[class*="comments" i]', '[class*="share" i]', '[class*="social" i]', '[class*="related" i]',
].join(',');
/** Ads, sponsored blocks and cookie banners by their usual names; dropped on both paths. */
const AD_SELECTOR = [
  '[class*="advert" i]', '[id*="advert" i]', '[class~="ad" i]', '[class~="ads" i]', '[class*="ad-slot" i]',
  '[class*="sponsor" i]', '[id*="sponsor" i]', '[class*="cookie" i]', 'ins.adsbygoogle',
].join(',');


export interface ExtractOptions {
  maxChars?: number;
  maxElements?: number;
}

function byReadability(doc: Document, maxChars: number, maxElements: number): (DomText & { title: string }) | undefined {
  if (doc.getElementsByTagName('*').length > maxElements) return undefined;
  // Readability rewrites the document it parses. Its own filters miss many ad class names.
  const clone = doc.cloneNode(true) as Document;
  for (const element of clone.querySelectorAll(AD_SELECTOR)) element.remove();
  const article = new Readability<Node>(clone, { charThreshold: CHAR_THRESHOLD, serializer: (node) => node }).parse();
  if (!article?.content) return undefined;
  const found = domToText(article.content, maxChars);
  return found.text.length >= CHAR_THRESHOLD ? { ...found, title: article.title ?? '' } : undefined;
}

function byBody(doc: Document, maxChars: number): DomText {
  const body = doc.body;
  if (!body) return { text: '', complete: true };
  const main = body.querySelector('main, [role="main"], article') ?? body;
  const clone = main.cloneNode(true) as Element;
  for (const element of clone.querySelectorAll(`${CHROME_SELECTOR},${AD_SELECTOR}`)) element.remove();
  return domToText(clone, maxChars);
}

export function extractPage(doc: Document, href: string, options: ExtractOptions = {}): ExtractResult {
  const maxChars = options.maxChars ?? EXTRACT_MAX_CHARS;
  const url = cleanUrl(href);
  const fromReadability = byReadability(doc, maxChars, options.maxElements ?? READABILITY_MAX_ELEMENTS);
  const found = fromReadability ?? byBody(doc, maxChars);
  if (found.text === '') return { ok: false, code: ExtractErrorCode.NoContent, message: 'This page has no text to attach.' };
  const title = oneLine(fromReadability?.title || doc.title || '');
  return {
    ok: true,
    value: {
      kind: 'page',
      title,
      ...(url ? { url } : {}),
      text: found.text,
      originalChars: found.text.length,
      complete: found.complete,
      via: fromReadability ? 'readability' : 'body',
    },
  };
}
