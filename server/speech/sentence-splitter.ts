/**
 * Turns a streaming answer into speakable sentences as early as is safe (issue 3, "Spoken answers").
 * Boundaries come from Intl.Segmenter (ICU rules already keep "3.14", "e.g. its", URLs and
 * "Wait... what" together and break CJK after 。！？); this file adds what ICU cannot know while
 * text is still arriving, plus a few speech-friendly rules.
 */

/** Shorter sentences ("Sure!", "1.", a heading) are merged into the next one: one TTS request each would sound choppy. */
export const MIN_SENTENCE_CHARS = 20;
/** A sentence this long is cut (at a comma if possible) so that speech can start before it ends. */
export const MAX_SENTENCE_CHARS = 400;

/** ICU breaks after these even though a sentence rarely ends there ("Dr. Smith", "e.g. The"). */
const ABBREVIATION_END_RE = /(?:^|[\s(])(?:dr|mr|mrs|ms|prof|sr|jr|st|vs|fig|approx|e\.g|i\.e|cf|z\.b|bzw|usw)\.["'”’)]*\s*$/i;
/**
 * ICU breaks after "?" or "!" even with no space ("https://a.example/b?x=1"). Where words are
 * separated by spaces, a real sentence end has one, so a segment that ends right at ASCII
 * punctuation is glued to the next. CJK terminators (。！？) are unaffected.
 */
const GLUED_END_RE = /[.?!]["'”’)\]]*$/;
/** Han, kana and Hangul say about a word per character; count them triple towards MIN_SENTENCE_CHARS. */
const WIDE_RE = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}]/gu;

function spokenLength(text: string): number {
  const trimmed = text.trim();
  return trimmed.length + 2 * (trimmed.match(WIDE_RE)?.length ?? 0);
}
/**
 * ICU decides a boundary by looking ahead past punctuation and spaces to the next letter
 * ("3. (and" does not break, "3. (And" does), so a boundary is only final once a letter or digit follows it.
 */
const DECIDES_RE = /[\p{L}\p{N}]/u;
/**
 * A boundary is also final once terminal punctuation, closers and whitespace end the text, without
 * waiting for a letter of the next sentence (issue 3: the first TTS request left one token late).
 * ICU always breaks there after ! ? and 。！？; after "." it breaks unless the next word is lower
 * case, which after a full word is rare enough to accept. ICU always breaks after a line break.
 */
const PUNCTUATION_END_RE = /[.!?。！？]["'”’)\]」』]*\s+$/u;
const LINE_BREAK_END_RE = /[\n\r\u0085\u2028\u2029]\s*$/u;
/**
 * ...except where a "." often does not end a sentence: a lone number or letter ("3. (and",
 * "A. Smith", "U.S. economy") and ellipses ("Wait... what"). Abbreviations: ABBREVIATION_END_RE.
 */
const UNSETTLED_END_RE = /(?:(?<![\p{L}\p{N}])(?:\p{N}+|\p{L})|\.)\.["'”’)\]]*\s+$/u;

function isSettled(text: string): boolean {
  if (LINE_BREAK_END_RE.test(text)) return true;
  return PUNCTUATION_END_RE.test(text) && !UNSETTLED_END_RE.test(text) && !ABBREVIATION_END_RE.test(text);
}
const CUT_AFTER_PUNCTUATION_RE = /[,;:，、；：]\s*/gu;
const WHITESPACE_RE = /\s+/gu;

/** Where to cut a too-long sentence: after the last comma-like mark, else the last space, in its second half; else hard. */
function cutPoint(text: string, cap: number): number {
  const window = text.slice(0, cap);
  const half = Math.floor(cap / 2);
  for (const re of [CUT_AFTER_PUNCTUATION_RE, WHITESPACE_RE]) {
    let best = -1;
    for (const match of window.matchAll(re)) {
      const end = match.index + match[0].length;
      if (end >= half && end < window.length) best = end;
    }
    if (best > 0) return best;
  }
  // Never split a surrogate pair.
  const code = text.charCodeAt(cap - 1);
  return code >= 0xd800 && code <= 0xdbff ? cap - 1 : cap;
}

export interface SentenceSplitter {
  /** Feed the next streaming delta; returns the sentences it completed (trimmed, possibly none). */
  push(delta: string): string[];
  /** End of the answer: returns whatever is left. */
  flush(): string[];
}

export function createSentenceSplitter(locale?: string): SentenceSplitter {
  const segmenter = new Intl.Segmenter(locale, { granularity: 'sentence' });
  /** Final text held back because it is too short (or ends in an abbreviation) to speak alone. */
  let pending = '';
  /** Text whose boundaries are not decided yet; the only part ever re-segmented. */
  let tail = '';

  function emit(text: string, out: string[]): void {
    let rest = text;
    while (rest.length > MAX_SENTENCE_CHARS) {
      const at = cutPoint(rest, MAX_SENTENCE_CHARS);
      const head = rest.slice(0, at).trim();
      if (head) out.push(head);
      rest = rest.slice(at);
    }
    const last = rest.trim();
    if (last) out.push(last);
  }

  /** A final segment: either joins the pending text or, with it, becomes a sentence. */
  function accept(segment: string, out: string[]): void {
    pending += segment;
    if (spokenLength(pending) < MIN_SENTENCE_CHARS || ABBREVIATION_END_RE.test(pending) || GLUED_END_RE.test(pending)) return;
    emit(pending, out);
    pending = '';
  }

  return {
    push(delta) {
      const out: string[] = [];
      if (!delta) return out;
      tail += delta;
      const segments = Array.from(segmenter.segment(tail), (s) => s.segment);
      let lastDeciding = -1;
      for (let i = segments.length - 1; i > 0; i--) {
        if (DECIDES_RE.test(segments[i] ?? '')) {
          lastDeciding = i;
          break;
        }
      }
      if (isSettled(tail)) {
        for (const segment of segments) accept(segment, out);
        tail = '';
      } else if (lastDeciding > 0) {
        for (const segment of segments.slice(0, lastDeciding)) accept(segment, out);
        tail = segments.slice(lastDeciding).join('');
      }
      // Cut an overlong unfinished sentence exactly as emit() would cut it once complete.
      while (pending.length + tail.length > MAX_SENTENCE_CHARS) {
        const text = pending + tail;
        const at = cutPoint(text, MAX_SENTENCE_CHARS);
        const head = text.slice(0, at).trim();
        if (head) out.push(head);
        pending = '';
        tail = text.slice(at);
      }
      return out;
    },
    flush() {
      const out: string[] = [];
      emit(pending + tail, out);
      pending = '';
      tail = '';
      return out;
    },
  };
}
