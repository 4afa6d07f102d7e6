// What the injected extraction scripts hand back to the background (a structured-cloneable value).

export type ExtractKind = 'page' | 'selection';

export interface PageExtract {
  kind: ExtractKind;
  title: string;
  /** Origin and path only: a query or fragment can carry session tokens, and the model needs neither. */
  url?: string;
  text: string;
  /** Characters of text found; when `complete` is false the page holds more than this. */
  originalChars: number;
  /** False when the page had more text than EXTRACT_MAX_CHARS and only the start was taken. */
  complete: boolean;
  /** Which path produced the text (tests and the bench check it). */
  via: 'readability' | 'body' | 'selection';
}

export const ExtractErrorCode = {
  NoContent: 'NO_CONTENT',
  NoSelection: 'NO_SELECTION',
} as const;
export type ExtractErrorCode = (typeof ExtractErrorCode)[keyof typeof ExtractErrorCode];

export type ExtractResult = { ok: true; value: PageExtract } | { ok: false; code: ExtractErrorCode; message: string };

/**
 * Ceiling on what leaves the page script, well above any relay cap (the background cuts to the
 * relay's caps with protocol/context-size.ts); it bounds the message a huge page can produce.
 */
export const EXTRACT_MAX_CHARS = 200_000;

/** Only http(s) pages have a URL worth naming; file: and others stay out. */
export function cleanUrl(href: string): string | undefined {
  try {
    const url = new URL(href);
    return url.protocol === 'http:' || url.protocol === 'https:' ? `${url.origin}${url.pathname}` : undefined;
  } catch {
    // Not a URL (about:blank in tests): name none.
    return undefined;
  }
}

export const oneLine = (text: string) => text.replace(/\s+/g, ' ').trim().slice(0, 300);
