/**
 * Size of a context attachment: characters and an estimate of tokens, and truncation to both caps.
 * Shared so the extension can show the same figures the relay enforces (the relay has the last word).
 *
 * The estimate needs no tokenizer (none ships in the extension, and the relay's model is configurable):
 * English BPE averages about four characters per token, so ASCII counts a quarter each; CJK, kana
 * and Hangul are about one token per character; other scripts (Cyrillic, Greek, accented Latin, emoji)
 * half. It errs high for most text, which is the safe side for a cap.
 */

const WIDE_RE = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}]/u;

interface Tally {
  ascii: number;
  wide: number;
  other: number;
}

const tokensOf = (t: Tally) => Math.ceil(t.ascii / 4) + t.wide + Math.ceil(t.other / 2);

function count(t: Tally, char: string): void {
  const code = char.codePointAt(0) ?? 0;
  if (code < 0x80) t.ascii++;
  else if (WIDE_RE.test(char)) t.wide++;
  else t.other++;
}

export function estimateTokens(text: string): number {
  const tally: Tally = { ascii: 0, wide: 0, other: 0 };
  for (const char of text) count(tally, char);
  return tokensOf(tally);
}

export interface ContextCaps {
  maxChars: number;
  maxTokens: number;
}

export interface TruncatedText {
  text: string;
  /** UTF-16 length, the unit of every character cap in Parley (`String.length`). */
  chars: number;
  originalChars: number;
  tokens: number;
  truncated: boolean;
}

/** How far back from a hard cut to look for a space, so the kept text ends on a whole word. */
const WORD_BACKTRACK = 200;

/**
 * The longest prefix within both caps, ended at a word boundary when one is near. Linear in the
 * text's length; never splits a surrogate pair.
 */
export function truncateToCaps(text: string, caps: ContextCaps): TruncatedText {
  const tally: Tally = { ascii: 0, wide: 0, other: 0 };
  let end = 0;
  let cut = false;
  for (const char of text) {
    if (end + char.length > caps.maxChars) {
      cut = true;
      break;
    }
    count(tally, char);
    if (tokensOf(tally) > caps.maxTokens) {
      cut = true;
      break;
    }
    end += char.length;
  }
  if (!cut) return { text, chars: text.length, originalChars: text.length, tokens: tokensOf(tally), truncated: false };
  let kept = text.slice(0, end);
  const space = kept.search(/\s\S*$/);
  if (space > 0 && space >= end - WORD_BACKTRACK) kept = kept.slice(0, space);
  kept = kept.trimEnd();
  return { text: kept, chars: kept.length, originalChars: text.length, tokens: estimateTokens(kept), truncated: true };
}
