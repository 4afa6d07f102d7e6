/**
 * What text-to-speech is given: what a person would read aloud (issue 11, "Speech that sounds right").
 * The answer is markdown; the sentence splitter cuts it as written (the panel types those exact
 * sentences in step with their audio), and this turns each sentence into speech text: no markdown
 * symbols, a code block becomes one short phrase, a URL becomes its host.
 *
 * Stateful because a code block spans many "sentences" (every line break is a boundary): the
 * cleaner remembers whether it is inside a fence between calls.
 */

export const CODE_BLOCK_PHRASE = 'Code shown in the chat.';

export interface SpeechTextCleaner {
  /** Speech text for the next sentence of the answer, in order; '' when nothing in it should be spoken. */
  clean(sentence: string): string;
}

const FENCE_RE = /^\s*(```|~~~)/;
const HORIZONTAL_RULE_RE = /^\s*(?:[-*_]\s*){3,}$/;
const TABLE_SEPARATOR_RE = /^\s*\|?\s*:?-{2,}:?\s*(?:\|\s*:?-{2,}:?\s*)*\|?\s*$/;
const HEADING_RE = /^\s*#{1,6}\s+/;
const BLOCKQUOTE_RE = /^\s*(?:>\s?)+/;
const LIST_MARKER_RE = /^\s*(?:[-*+•]|\d{1,3}[.)])\s+(?:\[[ xX]\]\s+)?/;
const IMAGE_RE = /!\[([^\]]*)\]\([^)]*\)/g;
const LINK_RE = /\[([^\]]+)\]\((?:[^()]|\([^)]*\))*\)/g;
const AUTOLINK_RE = /<((?:https?:\/\/|www\.)[^>\s]+)>/gi;
const URL_RE = /\b(?:https?:\/\/|www\.)[^\s<>()[\]"'`]+/gi;
const HTML_TAG_RE = /<\/?[A-Za-z][^>]*>/g;
const INLINE_CODE_RE = /`+([^`]+)`+/g;
const EMPHASIS_RES = [/\*\*(.+?)\*\*/g, /__(.+?)__/g, /~~(.+?)~~/g, /(?<![\p{L}\p{N}*])\*(?!\s)(.+?)(?<!\s)\*(?![\p{L}\p{N}*])/gu, /(?<![\p{L}\p{N}_])_(?!\s)(.+?)(?<!\s)_(?![\p{L}\p{N}_])/gu];
/** Markdown punctuation left over after the rules above (stray `*`, `#`, `|`, backticks) is not read out. */
const STRAY_SYMBOLS_RE = /[*#|`~^]+/g;
const SENTENCE_END_RE = /[.!?:;,…。！？]["'”’)\]]*$/u;

/** "https://www.example.com/a/b?c" → "example.com". */
export function urlHost(url: string): string {
  const withScheme = /^https?:\/\//i.test(url) ? url : `http://${url}`;
  try {
    return new URL(withScheme.replace(/[.,;:!?]+$/, '')).hostname.replace(/^www\./i, '');
  } catch {
    // Not a parseable URL after all: read the text before the first slash.
    return url.replace(/^https?:\/\//i, '').split('/')[0] ?? url;
  }
}

function cleanInline(line: string): string {
  let text = line
    .replace(IMAGE_RE, '$1')
    .replace(LINK_RE, '$1')
    .replace(AUTOLINK_RE, '$1')
    .replace(HTML_TAG_RE, ' ')
    .replace(INLINE_CODE_RE, '$1');
  text = text.replace(URL_RE, (url) => {
    const trailing = /[.,;:!?]+$/.exec(url)?.[0] ?? '';
    return urlHost(url) + trailing;
  });
  for (const re of EMPHASIS_RES) text = text.replace(re, '$1');
  return text.replace(STRAY_SYMBOLS_RE, ' ').replace(/\s+/g, ' ').trim();
}

function cleanLine(line: string): string {
  if (HORIZONTAL_RULE_RE.test(line) || TABLE_SEPARATOR_RE.test(line)) return '';
  let text = line.replace(HEADING_RE, '').replace(BLOCKQUOTE_RE, '').replace(LIST_MARKER_RE, '');
  // A table row reads as its cells, separated by commas.
  if (/^\s*\|.*\|\s*$/.test(text)) {
    text = text
      .trim()
      .slice(1, -1)
      .split('|')
      .map((cell) => cleanInline(cell))
      .filter((cell) => cell !== '')
      .join(', ');
    return text;
  }
  return cleanInline(text);
}

export function createSpeechTextCleaner(): SpeechTextCleaner {
  let inCode = false;
  return {
    clean(sentence) {
      const parts: string[] = [];
      for (const line of sentence.split(/\r?\n/)) {
        if (FENCE_RE.test(line)) {
          // The phrase is said once, where the block opens; its lines and closing fence are silent.
          if (!inCode) parts.push(CODE_BLOCK_PHRASE);
          inCode = !inCode;
          continue;
        }
        if (inCode) continue;
        const text = cleanLine(line);
        if (text !== '') parts.push(text);
      }
      // Lines (list items, headings, table rows) become sentences of their own, so the voice pauses between them.
      return parts
        .map((part, i) => (i < parts.length - 1 && !SENTENCE_END_RE.test(part) ? `${part}.` : part))
        .join(' ');
    },
  };
}
