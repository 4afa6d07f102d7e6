// Plain text from a DOM subtree, keeping the paragraph structure that the model and the sentence
// splitter need (Readability's own `textContent` runs paragraphs together). No layout is used, so
// it also runs on a detached clone and in unit tests.

const BLOCK_TAGS = new Set([
  'ADDRESS', 'ARTICLE', 'ASIDE', 'BLOCKQUOTE', 'DD', 'DETAILS', 'DIV', 'DL', 'DT', 'FIGCAPTION', 'FIGURE',
  'FOOTER', 'H1', 'H2', 'H3', 'H4', 'H5', 'H6', 'HEADER', 'HR', 'LI', 'MAIN', 'NAV', 'OL', 'P', 'PRE',
  'SECTION', 'SUMMARY', 'TABLE', 'TBODY', 'THEAD', 'TFOOT', 'TR', 'UL',
]);
/** Never text a reader wants: code that runs, styling, embedded media, form controls. */
const SKIP_TAGS = new Set(['SCRIPT', 'STYLE', 'NOSCRIPT', 'TEMPLATE', 'SVG', 'CANVAS', 'IFRAME', 'OBJECT', 'EMBED', 'VIDEO', 'AUDIO', 'SELECT', 'TEXTAREA', 'BUTTON', 'INPUT']);
const CELL_TAGS = new Set(['TD', 'TH']);

const ELEMENT_NODE = 1;
const TEXT_NODE = 3;

function isHidden(element: Element): boolean {
  if (element.hasAttribute('hidden') || element.getAttribute('aria-hidden') === 'true') return true;
  const style = element.getAttribute('style') ?? '';
  return /display\s*:\s*none|visibility\s*:\s*hidden/i.test(style);
}

export interface DomText {
  text: string;
  /** False when the walk stopped at `maxChars` and the subtree holds more text. */
  complete: boolean;
}

/**
 * Text of `root` with blocks separated by blank lines, list items as "- item", table cells by " | ",
 * preformatted text kept as is. Stops walking once `maxChars` are gathered (huge pages).
 */
export function domToText(root: Node, maxChars = Number.POSITIVE_INFINITY): DomText {
  const out: string[] = [];
  let length = 0;
  const push = (text: string) => {
    out.push(text);
    length += text.length;
  };
  const breakBlock = () => push('\n\n');

  const walk = (node: Node, pre: boolean): void => {
    if (length >= maxChars) return;
    if (node.nodeType === TEXT_NODE) {
      const text = node.nodeValue ?? '';
      push(pre ? text : text.replace(/\s+/g, ' '));
      return;
    }
    if (node.nodeType !== ELEMENT_NODE) return;
    const element = node as Element;
    const tag = element.tagName.toUpperCase();
    if (SKIP_TAGS.has(tag) || isHidden(element)) return;
    if (tag === 'BR') return push('\n');
    const block = BLOCK_TAGS.has(tag);
    if (block) breakBlock();
    if (tag === 'LI') push('- ');
    if (CELL_TAGS.has(tag)) push(' | ');
    if (tag === 'IMG') {
      const alt = element.getAttribute('alt')?.trim();
      if (alt) push(` ${alt} `);
    }
    const isPre = pre || tag === 'PRE';
    for (let child = element.firstChild; child; child = child.nextSibling) walk(child, isPre);
    if (block) breakBlock();
  };
  walk(root, false);

  const text = out
    .join('')
    .split('\n')
    // Outside <pre> runs of spaces are already single; a leading one is an artefact, indentation is not.
    .map((line) => line.replace(/[ \t\u00a0]+$/, '').replace(/^ (?=\S)/, '').replace(/^\| /, ''))
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
  return length >= maxChars ? { text: text.slice(0, maxChars), complete: false } : { text, complete: true };
}
