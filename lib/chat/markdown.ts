import { Lexer, type Token, type Tokens } from 'marked';
import { decodeEntities } from './html-entities.ts';
import { MAX_NESTING, findNestingOverflow } from './markdown-nesting.ts';

/**
 * Model output → a small tree of allowlisted nodes that components/chat/Markdown*.svelte
 * render as real elements and text nodes. No HTML string is ever built, so nothing the
 * model writes is parsed as markup: raw HTML shows as text, images never load (they
 * become links at most), and a link exists only for an http(s)/mailto URL. Anything
 * marked emits that is not on the list below is shown as its raw text.
 */

export type Align = 'left' | 'center' | 'right';

export type MdInline =
  | { kind: 'text'; text: string }
  | { kind: 'strong' | 'em' | 'del'; children: MdInline[] }
  | { kind: 'code'; text: string }
  | { kind: 'br' }
  | { kind: 'link'; href: string; title: string | undefined; children: MdInline[] };

export interface MdCell {
  align: Align | undefined;
  children: MdInline[];
}

export type MdBlock =
  | { kind: 'paragraph'; children: MdInline[] }
  /** A tight list item's text: inline content with no paragraph around it. */
  | { kind: 'inline'; children: MdInline[] }
  | { kind: 'heading'; level: 3 | 4 | 5 | 6; children: MdInline[] }
  | { kind: 'code'; text: string; language: string | undefined }
  | { kind: 'blockquote'; children: MdBlock[] }
  | { kind: 'list'; ordered: boolean; start: number | undefined; items: MdBlock[][] }
  | { kind: 'table'; header: MdCell[]; rows: MdCell[][] }
  | { kind: 'hr' }
  /** Shown as a paragraph of plain text: raw HTML, unknown tokens, over-deep nesting. */
  | { kind: 'text'; text: string };

const LEXER_OPTIONS = { gfm: true, breaks: true } as const;
const SAFE_PROTOCOLS = new Set(['http:', 'https:', 'mailto:']);
const SAFE_LANGUAGE = /^[A-Za-z0-9_+#.-]{1,32}$/;

/** The href to use for a link, or undefined when it must not be a link. */
export function safeHref(raw: string): string | undefined {
  let url: URL;
  try {
    // No base URL on purpose: a relative link would resolve against the host page.
    url = new URL(raw.trim());
  } catch {
    // Relative or malformed: not a link, the caller shows the text.
    return undefined;
  }
  // url.href, not raw: the parser has already stripped the tabs and newlines that hide a scheme.
  return SAFE_PROTOCOLS.has(url.protocol) ? url.href : undefined;
}

interface Context {
  depth: number;
  /** Inside a link: no nested anchors (invalid HTML), children are flattened. */
  inLink: boolean;
  /** Autolink text is literal: marked does not resolve character references there. */
  literal: boolean;
}

function inlines(tokens: readonly Token[] | undefined, ctx: Context): MdInline[] {
  if (!tokens) return [];
  const out: MdInline[] = [];
  for (const token of tokens) out.push(...inline(token, ctx));
  return out;
}

function inline(token: Token, ctx: Context): MdInline[] {
  if (ctx.depth >= MAX_NESTING) return [{ kind: 'text', text: token.raw }];
  const inner: Context = { ...ctx, depth: ctx.depth + 1 };
  switch (token.type) {
    case 'text':
      if (token.tokens) return inlines(token.tokens, inner);
      return [{ kind: 'text', text: ctx.literal ? token.text : decodeEntities(token.text) }];
    case 'escape':
      return [{ kind: 'text', text: token.text }];
    case 'strong':
    case 'em':
    case 'del':
      return [{ kind: token.type, children: inlines(token.tokens, inner) }];
    case 'codespan':
      return [{ kind: 'code', text: token.text }];
    case 'br':
      return [{ kind: 'br' }];
    case 'html':
      // Raw HTML from the model: visible and inert.
      return [{ kind: 'text', text: token.text }];
    case 'link': {
      const link = token as Tokens.Link;
      const children = inlines(link.tokens, { ...inner, inLink: true, literal: link.autolink === true });
      const href = ctx.inLink ? undefined : safeHref(link.href);
      if (href === undefined) return children;
      return [{ kind: 'link', href, title: link.title || undefined, children }];
    }
    case 'image': {
      // Never an <img>: no network request may follow from model output. A link the user can choose to open instead.
      const image = token as Tokens.Image;
      const href = ctx.inLink ? undefined : safeHref(image.href);
      const alt: MdInline = { kind: 'text', text: image.text || (href ?? '') };
      if (href === undefined) return image.text ? [alt] : [];
      return [{ kind: 'link', href, title: image.title || undefined, children: [alt] }];
    }
    default:
      return [{ kind: 'text', text: token.raw }];
  }
}

function cell(source: Tokens.TableCell, ctx: Context): MdCell {
  return { align: source.align ?? undefined, children: inlines(source.tokens, ctx) };
}

function listItem(item: Tokens.ListItem, ctx: Context): MdBlock[] {
  const [first, ...rest] = item.tokens;
  if (first?.type !== 'checkbox') return blocks(item.tokens, ctx);
  // Task lists show their box as text; an <input> would look interactive and do nothing.
  const box: MdInline = { kind: 'text', text: (first as Tokens.Checkbox).checked ? '[x] ' : '[ ] ' };
  const content = blocks(rest, ctx);
  const head = content[0];
  if (head?.kind === 'paragraph' || head?.kind === 'inline') {
    return [{ ...head, children: [box, ...head.children] }, ...content.slice(1)];
  }
  return [{ kind: 'inline', children: [box] }, ...content];
}

function block(token: Token, ctx: Context): MdBlock[] {
  if (ctx.depth >= MAX_NESTING) return [{ kind: 'text', text: token.raw }];
  const inner: Context = { ...ctx, depth: ctx.depth + 1 };
  switch (token.type) {
    case 'space':
    case 'def':
      // Blank lines, and link reference definitions (already applied to their links by marked).
      return [];
    case 'paragraph':
      return [{ kind: 'paragraph', children: inlines(token.tokens, inner) }];
    case 'text':
      return [{ kind: 'inline', children: token.tokens ? inlines(token.tokens, inner) : [{ kind: 'text', text: decodeEntities(token.text) }] }];
    case 'heading': {
      // The reply sits inside a page's content: its top heading is at most an h3.
      const level = Math.min(6, Math.max(3, (token as Tokens.Heading).depth + 2)) as 3 | 4 | 5 | 6;
      return [{ kind: 'heading', level, children: inlines(token.tokens, inner) }];
    }
    case 'code': {
      const lang = (token as Tokens.Code).lang;
      return [{ kind: 'code', text: token.text, language: lang !== undefined && SAFE_LANGUAGE.test(lang) ? lang : undefined }];
    }
    case 'blockquote':
      return [{ kind: 'blockquote', children: blocks(token.tokens, inner) }];
    case 'list': {
      const list = token as Tokens.List;
      const start = list.ordered && typeof list.start === 'number' && list.start !== 1 ? list.start : undefined;
      return [{ kind: 'list', ordered: list.ordered, start, items: list.items.map((item) => listItem(item, inner)) }];
    }
    case 'table': {
      const table = token as Tokens.Table;
      return [{ kind: 'table', header: table.header.map((c) => cell(c, inner)), rows: table.rows.map((row) => row.map((c) => cell(c, inner))) }];
    }
    case 'hr':
      return [{ kind: 'hr' }];
    case 'html':
      return [{ kind: 'text', text: token.text.trimEnd() }];
    default:
      return [{ kind: 'text', text: token.raw }];
  }
}

function blocks(tokens: readonly Token[] | undefined, ctx: Context): MdBlock[] {
  if (!tokens) return [];
  const out: MdBlock[] = [];
  for (const token of tokens) out.push(...block(token, ctx));
  return out;
}

/**
 * The blocks of a reply, possibly a partial one mid-stream (re-run on every chunk:
 * lexing a few KB takes well under a millisecond). Partial markdown degrades to
 * what CommonMark says: an unclosed fence is code to the end, half a link is text.
 */
export function parseMarkdown(markdown: string): MdBlock[] {
  const cut = findNestingOverflow(markdown);
  const source = cut === -1 ? markdown : markdown.slice(0, cut);
  const tree = blocks(Lexer.lex(source, LEXER_OPTIONS), { depth: 0, inLink: false, literal: false });
  if (cut !== -1) tree.push({ kind: 'text', text: markdown.slice(cut) });
  return tree;
}
