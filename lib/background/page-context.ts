// "Ask about this page" / the selection: reads the tab on the user's action only, by injecting
// the extraction script then (entrypoints/extract-*.ts), and cuts the text to the relay's caps so
// the chip shows what will be sent. Sites turned off in the options are refused before anything
// is injected. Nothing here sends anything: the attachment goes out with the next message.
import { truncateToCaps, type ContextAttachment, type ContextCaps, type ContextKind } from '../../protocol/index.ts';
import type { ExtractResult, PageExtract } from '../context/extract-result.ts';
import { siteAccessRequest, type SiteAccessRequest } from '../site-access.ts';

/** What the chip shows: enough to judge the attachment without sending it anywhere. */
export interface AttachmentPreview {
  kind: ContextKind;
  title: string;
  url?: string;
  /** Characters that will be sent, and how many the page or selection had. */
  chars: number;
  originalChars: number;
  tokens: number;
  truncated: boolean;
  /** The start of the text, for "preview" on demand. */
  excerpt: string;
}

export interface CapturedContext {
  attachment: ContextAttachment;
  preview: AttachmentPreview;
}

export const CaptureErrorCode = {
  SiteDisabled: 'SITE_DISABLED',
  NotReadable: 'NOT_READABLE',
  NoContent: 'NO_CONTENT',
  NoSelection: 'NO_SELECTION',
  /** The browser has not let Parley read this site yet; the panel can ask (lib/site-access.ts). */
  NeedsSiteAccess: 'NEEDS_SITE_ACCESS',
} as const;
export type CaptureErrorCode = (typeof CaptureErrorCode)[keyof typeof CaptureErrorCode];
export type CaptureResult = { ok: true; value: CapturedContext } | { ok: false; code: CaptureErrorCode; message: string; site?: SiteAccessRequest };

export type ExtractScript = '/extract-page.js' | '/extract-selection.js';
export const EXTRACT_SCRIPTS: Record<ContextKind, ExtractScript> = { page: '/extract-page.js', selection: '/extract-selection.js' };
/** Used until the relay's OK says its own caps (the relay's defaults). */
export const DEFAULT_CONTEXT_CAPS: ContextCaps = { maxChars: 24_000, maxTokens: 6_000 };
export const DEFAULT_READ_ALOUD_CHARS = 100_000;
const EXCERPT_CHARS = 600;

export interface PageContextDeps {
  /** The tab's hostname from Parley's launcher, or undefined where it cannot run (browser pages, PDFs). */
  getHost(tabId: number): Promise<string | undefined>;
  isSiteAllowed(host: string): Promise<boolean>;
  /** Whether Parley holds host access to the site (allowed from the panel before). */
  hasSiteAccess(host: string): Promise<boolean>;
  /** Runs an extraction script in the tab's top frame and returns its value. */
  inject(tabId: number, file: ExtractScript): Promise<unknown>;
  caps(): ContextCaps;
  /** Longest text one read-aloud request may carry (the relay's OK says; its default otherwise). */
  readAloudChars(): number;
}

const NOT_READABLE = 'Parley cannot read this page (browser pages, the extension store and PDFs are off limits).';

function isPageExtract(value: unknown): value is PageExtract {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return (
    (v.kind === 'page' || v.kind === 'selection') &&
    typeof v.title === 'string' &&
    typeof v.text === 'string' &&
    typeof v.originalChars === 'number' &&
    (v.url === undefined || typeof v.url === 'string')
  );
}

function isExtractResult(value: unknown): value is ExtractResult {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return v.ok === true ? isPageExtract(v.value) : v.ok === false && typeof v.code === 'string' && typeof v.message === 'string';
}

export async function captureContext(deps: PageContextDeps, tabId: number, kind: ContextKind, caps = deps.caps()): Promise<CaptureResult> {
  const host = await deps.getHost(tabId).catch(() => undefined);
  if (host === undefined) return { ok: false, code: CaptureErrorCode.NotReadable, message: NOT_READABLE };
  if (!(await deps.isSiteAllowed(host)))
    return { ok: false, code: CaptureErrorCode.SiteDisabled, message: `Parley is turned off for ${host} in its options, so this page cannot be attached.` };
  let raw: unknown;
  try {
    raw = await deps.inject(tabId, EXTRACT_SCRIPTS[kind]);
  } catch {
    // The browser refused the injection. Without an activeTab grant (toolbar button, shortcut, menu)
    // or the site's host permission that is expected: the panel asks the user for the site, once.
    if (!(await deps.hasSiteAccess(host).catch(() => true)))
      return { ok: false, code: CaptureErrorCode.NeedsSiteAccess, message: `Parley needs your permission to read pages on ${host}.`, site: siteAccessRequest(host) };
    return { ok: false, code: CaptureErrorCode.NotReadable, message: NOT_READABLE };
  }
  if (!isExtractResult(raw)) return { ok: false, code: CaptureErrorCode.NotReadable, message: NOT_READABLE };
  if (!raw.ok) return { ok: false, code: raw.code === 'NO_SELECTION' ? CaptureErrorCode.NoSelection : CaptureErrorCode.NoContent, message: raw.message };
  const page = raw.value;
  const cut = truncateToCaps(page.text, caps);
  const attachment: ContextAttachment = { kind, title: page.title, ...(page.url ? { url: page.url } : {}), text: cut.text };
  return {
    ok: true,
    value: {
      attachment,
      preview: {
        kind,
        title: page.title,
        ...(page.url ? { url: page.url } : {}),
        chars: cut.chars,
        originalChars: Math.max(page.originalChars, cut.originalChars),
        tokens: cut.tokens,
        truncated: cut.truncated || page.complete === false,
        excerpt: cut.text.slice(0, EXCERPT_CHARS),
      },
    },
  };
}
