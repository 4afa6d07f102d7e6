import { parseMarkdown, type MdBlock } from './markdown.ts';

/**
 * Markdown for a reply that grows: finished sections are parsed once, only the last one
 * again on every chunk. Re-lexing the whole reply per chunk is quadratic over a stream: a
 * 40 KB answer full of unclosed emphasis made long tasks of up to 260 ms in the panel
 * (tests/e2e/long-answer.test.ts).
 *
 * A section ends at a blank line outside a fenced code block, once the next line starts
 * in column 0 with a non-space character: nothing after such a line can change how the text
 * before it parses, except that a list or quote continuing after the blank line becomes a
 * second list or quote (CommonMark would make one loose list) and a link reference defined
 * in a later section does not resolve an earlier link. Earlier blocks keep their objects, so
 * the view (keyed by position and kind) leaves their elements alone.
 */
export interface MarkdownStream {
  parse(text: string): MdBlock[];
}

interface Fence {
  char: string;
  length: number;
}

const FENCE = /^ {0,3}(`{3,}|~{3,})/;

export function createMarkdownStream(parse: (markdown: string) => MdBlock[] = parseMarkdown): MarkdownStream {
  let stableText = '';
  let stableBlocks: MdBlock[] = [];
  /** Start of the first line not scanned yet (the text's last, incomplete line starts here). */
  let scanned = 0;
  let fence: Fence | undefined;
  /** A blank line outside a fence was seen; the next non-blank line decides whether a section ends. */
  let afterBlank = false;

  function reset() {
    stableText = '';
    stableBlocks = [];
    scanned = 0;
    fence = undefined;
    afterBlank = false;
  }

  function scan(text: string) {
    let sectionStart = stableText.length;
    for (let newline = text.indexOf('\n', scanned); newline !== -1; newline = text.indexOf('\n', scanned)) {
      const line = text.slice(scanned, newline);
      const blank = line.trim() === '';
      if (!fence && afterBlank && !blank && !/^\s/.test(line)) {
        stableBlocks = [...stableBlocks, ...parse(text.slice(sectionStart, scanned))];
        sectionStart = scanned;
        afterBlank = false;
      }
      const marker = FENCE.exec(line)?.[1];
      if (marker && !fence) fence = { char: marker[0] ?? '`', length: marker.length };
      else if (marker && fence && marker[0] === fence.char && marker.length >= fence.length && line.trim() === marker) fence = undefined;
      if (!fence && blank) afterBlank = true;
      scanned = newline + 1;
    }
    stableText = text.slice(0, sectionStart);
  }

  return {
    parse(text) {
      // Anything but growth (a new chat, a retried answer, a reveal of another text) starts over.
      if (!text.startsWith(stableText) || text.length < scanned) reset();
      scan(text);
      return [...stableBlocks, ...parse(text.slice(stableText.length))];
    },
  };
}
