// The user's selection, for "Ask Parley about the selection" and "Read aloud". Kept apart from
// page-extract.ts so the injected selection script does not carry Readability.
import { cleanUrl, EXTRACT_MAX_CHARS, ExtractErrorCode, oneLine, type ExtractResult } from './extract-result.ts';

export function extractSelection(doc: Document, selection: Selection | null, href: string): ExtractResult {
  const all = selection?.toString().replace(/\r\n?/g, '\n').trim() ?? '';
  if (all === '') return { ok: false, code: ExtractErrorCode.NoSelection, message: 'Select some text on the page first.' };
  const url = cleanUrl(href);
  const text = all.slice(0, EXTRACT_MAX_CHARS);
  return {
    ok: true,
    value: { kind: 'selection', title: oneLine(doc.title), ...(url ? { url } : {}), text, originalChars: all.length, complete: text === all, via: 'selection' },
  };
}
