/**
 * Two happy-dom 21 gaps that make DOMPurify 3.4 misbehave (real browsers follow
 * the DOM spec, so production is unaffected):
 *
 * 1. DOMPurify reads `nodeName` through the getter on Node.prototype (so a
 *    clobbered property cannot lie); happy-dom's base getter returns '' and only
 *    Element overrides it, so every tag looked unknown and was removed.
 * 2. happy-dom 21's NodeIterator stops as soon as its current node is removed
 * (it wraps a TreeWalker), which is exactly what DOMPurify does to every node
 * it rejects: under happy-dom, DOMPurify keeps `<img onerror>` and drops allowed
 * tags. Real browsers follow the DOM spec. This installs a spec-like iterator
 * (the reference node falls back to its preceding node when removed) so the
 * sanitiser is tested against the behaviour it meets in Chrome and Firefox.
 * TODO [2027-06-01]: drop once happy-dom implements NodeIterator's pre-removing steps.
 */

function lastDescendant(node: Node): Node {
  let current = node;
  while (current.lastChild) current = current.lastChild;
  return current;
}

function preceding(node: Node, root: Node): Node | null {
  if (node === root) return null;
  if (node.previousSibling) return lastDescendant(node.previousSibling);
  return node.parentNode;
}

function following(node: Node, root: Node): Node | null {
  if (node.firstChild) return node.firstChild;
  let current: Node | null = node;
  while (current && current !== root) {
    if (current.nextSibling) return current.nextSibling;
    current = current.parentNode;
  }
  return null;
}

class LiveNodeIterator {
  #reference: Node;
  #preceding: Node | null = null;
  #beforeReference = true;

  constructor(
    readonly root: Node,
    readonly whatToShow: number,
    readonly filter: NodeFilter | null,
  ) {
    this.#reference = root;
  }

  #accepts(node: Node): boolean {
    if (((this.whatToShow >>> (node.nodeType - 1)) & 1) === 0) return false;
    if (!this.filter) return true;
    const verdict = typeof this.filter === 'function' ? this.filter(node) : this.filter.acceptNode(node);
    return verdict === NodeFilter.FILTER_ACCEPT;
  }

  nextNode(): Node | null {
    let node: Node | null = this.#reference;
    let before = this.#beforeReference;
    if (node !== this.root && !this.root.contains(node)) {
      // Removed since we returned it: continue from where it used to be.
      node = this.#preceding && this.root.contains(this.#preceding) ? this.#preceding : null;
      before = false;
      if (!node) return null;
    }
    for (;;) {
      if (before) before = false;
      else {
        node = following(node, this.root);
        if (!node) return null;
      }
      if (this.#accepts(node)) {
        this.#reference = node;
        this.#preceding = preceding(node, this.root);
        this.#beforeReference = false;
        return node;
      }
    }
  }

  previousNode(): Node | null {
    throw new Error('previousNode is not needed by the code under test');
  }

  detach(): void {}
}

function installDispatchingNodeName(): void {
  const base = Object.getOwnPropertyDescriptor(window.Node.prototype, 'nodeName');
  if (!base?.get) return;
  const baseGet = base.get;
  Object.defineProperty(window.Node.prototype, 'nodeName', {
    configurable: true,
    get(this: Node): string {
      // The most derived getter, as `node.nodeName` would use.
      for (let proto = Object.getPrototypeOf(this); proto && proto !== window.Node.prototype; proto = Object.getPrototypeOf(proto)) {
        const own = Object.getOwnPropertyDescriptor(proto, 'nodeName');
        if (own?.get) return own.get.call(this) as string;
      }
      return baseGet.call(this) as string;
    },
  });
}

/** Call before the first sanitize (DOMPurify caches these at creation). */
export function installSpecDomForSanitizer(): void {
  installDispatchingNodeName();
  window.Document.prototype.createNodeIterator = function createNodeIterator(root: Node, whatToShow = 0xffffffff, filter: NodeFilter | null = null) {
    return new LiveNodeIterator(root, whatToShow, filter) as unknown as NodeIterator;
  };
}
