/**
 * The launcher's host element, under a name the page cannot predict.
 *
 * A window has one custom-element registry, shared by the page and the content
 * script. A page that defines a custom element under the host's name before the
 * host is created gets its own class run on the host, and `attachInternals()`
 * hands it even a closed shadow root (docs/panel.md). So the name is random per
 * page load (from crypto, which the page cannot replace in the content script's
 * isolated world), and a name the page has already defined is never used: such an
 * element matches `:defined` at creation. The registry is asked too where the
 * content script can see it (Chrome exposes none to isolated worlds).
 *
 * A name defined only after the shadow root exists does not get in either: a root
 * attached while the element was not yet custom is not available to
 * ElementInternals (HTML spec, attachShadow step "available to element internals").
 */
const LETTERS = 'abcdefghijklmnopqrstuvwxyz';
const MAX_ATTEMPTS = 16;

function randomWord(length: number): string {
  const bytes = crypto.getRandomValues(new Uint8Array(length));
  let word = '';
  for (const byte of bytes) word += LETTERS[byte % LETTERS.length];
  return word;
}

/** A valid custom-element name (lowercase letters around one hyphen), random per call. */
export function randomElementName(): string {
  return `${randomWord(6)}-${randomWord(6)}`;
}

export function createHostElement(doc: Document, nextName: () => string = randomElementName): HTMLElement {
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const name = nextName();
    const host = doc.createElement(name);
    if (!host.matches(':defined') && globalThis.customElements?.get(name) === undefined) return host;
  }
  throw new Error('Every host element name tried was already defined by the page.');
}
