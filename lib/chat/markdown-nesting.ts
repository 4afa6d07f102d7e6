/**
 * Where model output nests too deeply to lex. marked has no nesting limit and its
 * container parsing is super-linear in depth (a 256-level list takes ~0.5 s, a
 * 1000-level one ~20 s), and a streaming reply is re-lexed on every typed
 * character. So before lexing we estimate each line's container depth and cut
 * the text at the first line past the limit; the caller shows the rest as text.
 */

/** Deep enough for any real answer; shallow enough that lexing stays in milliseconds. */
export const MAX_NESTING = 32;

const FENCE = /^ {0,3}(`{3,}|~{3,})/;
const BULLET = /^(?:[-*+]|\d{1,9}[.)])(?=[ \t]|$)/;

/**
 * Rough container depth of one line: each `>` and list marker in its prefix is
 * a level, and so are every two columns of indentation (how nested lists nest).
 * It over-counts indented prose, which only means a cut that comes early.
 */
function prefixDepth(line: string): number {
  let depth = 0;
  let columns = 0;
  let i = 0;
  while (i < line.length) {
    const char = line[i];
    if (char === ' ') columns += 1;
    else if (char === '\t') columns += 4;
    else {
      const marker = char === '>' ? '>' : BULLET.exec(line.slice(i, i + 11))?.[0];
      if (marker === undefined) break;
      depth += 1;
      i += marker.length;
      // The one space after a marker belongs to the marker, not to indentation.
      if (line[i] === ' ') i += 1;
      continue;
    }
    i += 1;
  }
  return depth + Math.floor(columns / 2);
}

/**
 * Index of the first line nested deeper than `limit`, or -1. Lines inside a
 * top-level fenced code block are code, not containers, so they do not count.
 */
export function findNestingOverflow(text: string, limit = MAX_NESTING): number {
  let fence: string | undefined;
  let offset = 0;
  for (const line of text.split('\n')) {
    const marker = FENCE.exec(line)?.[1];
    if (fence !== undefined) {
      // A fence closes with the same character, at least as long (CommonMark).
      if (marker !== undefined && marker[0] === fence[0] && marker.length >= fence.length) fence = undefined;
    } else if (marker !== undefined) {
      fence = marker;
    } else if (prefixDepth(line) > limit) {
      return offset;
    }
    offset += line.length + 1;
  }
  return -1;
}
