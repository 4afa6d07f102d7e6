import DOMPurify from 'dompurify';
import { Marked, type Tokens } from 'marked';

/**
 * Model output → safe HTML for `{@html}`. Two layers, because either alone has
 * failed somewhere before: marked never passes raw HTML through (its `html`
 * renderer escapes it, so `<img onerror>` shows as text), and DOMPurify then
 * keeps only an allowlist of tags/attributes, so whatever marked emits can't
 * carry script, images, styles or event handlers. Needs a DOM (the content
 * script and happy-dom have one).
 */

const ALLOWED_TAGS = [
  'p', 'br', 'strong', 'em', 'del', 'code', 'pre', 'ul', 'ol', 'li', 'blockquote', 'a', 'hr',
  'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'table', 'thead', 'tbody', 'tr', 'th', 'td',
];
const ALLOWED_ATTR = ['href', 'title', 'start', 'align'];
const SAFE_URL = /^(?:https?:|mailto:)/i;

function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

const parser = new Marked({
  gfm: true,
  breaks: true,
  async: false,
  renderer: {
    // Raw HTML from the model is shown as text, never parsed.
    html: (token: Tokens.HTML | Tokens.Tag) => escapeHtml(token.text),
    // No images: they would load from the page's origin and can beacon out.
    image: (token: Tokens.Image) => escapeHtml(token.text),
  },
});

let purifier: ReturnType<typeof DOMPurify> | undefined;

function getPurifier(): ReturnType<typeof DOMPurify> {
  if (purifier) return purifier;
  // A private instance: the hooks below must not leak into other DOMPurify users.
  const instance = DOMPurify(window);
  instance.addHook('afterSanitizeAttributes', (node) => {
    if (node.tagName !== 'A') return;
    const href = node.getAttribute('href') ?? '';
    if (!SAFE_URL.test(href.trim())) {
      node.removeAttribute('href');
      return;
    }
    node.setAttribute('target', '_blank');
    node.setAttribute('rel', 'noopener noreferrer');
  });
  purifier = instance;
  return instance;
}

/** Sanitised HTML for an assistant message (possibly a partial one mid-stream). */
export function renderMarkdown(markdown: string): string {
  const html = parser.parse(markdown) as string;
  return getPurifier().sanitize(html, {
    ALLOWED_TAGS,
    ALLOWED_ATTR,
    ALLOW_DATA_ATTR: false,
    ALLOW_ARIA_ATTR: false,
  });
}
