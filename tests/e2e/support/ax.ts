// Drives a page, or one frame of it, by its accessibility tree over CDP. Parley's launcher
// lives in a closed shadow root that CSS locators (and page scripts) cannot enter, and its
// panel in an out-of-process extension frame; Chromium's accessibility tree reaches both
// (the frame through its own CDP session). Actions use real input events at the node's
// on-screen position, so a click that the page covers with an overlay fails as it would for a user.
import type { CDPSession, Frame, Page } from 'playwright-core';

export interface AXNode {
  id: string;
  role: string;
  name: string;
  /** Accessible description (aria-describedby, or title when the name comes from elsewhere). */
  description: string;
  backendNodeId: number | undefined;
  parentId: string | undefined;
  childIds: string[];
  /** Raw AX properties such as focused, disabled, pressed, expanded. */
  properties: Record<string, unknown>;
}

export type NameMatcher = string | RegExp;

export interface AXTree {
  nodes: AXNode[];
  byId: Map<string, AXNode>;
}

function matches(name: string, matcher: NameMatcher): boolean {
  return typeof matcher === 'string' ? name === matcher : matcher.test(name);
}

// The fields of CDP's Accessibility.AXNode that the driver reads.
interface RawAXNode {
  nodeId: string;
  ignored: boolean;
  role?: { value?: unknown };
  name?: { value?: unknown };
  description?: { value?: unknown };
  backendDOMNodeId?: number;
  parentId?: string;
  childIds?: string[];
  properties?: { name: string; value: { value?: unknown } }[];
}

function toNode(raw: RawAXNode): AXNode {
  const properties: Record<string, unknown> = {};
  for (const property of raw.properties ?? []) properties[property.name] = property.value.value;
  return {
    id: raw.nodeId,
    role: String(raw.role?.value ?? ''),
    name: String(raw.name?.value ?? ''),
    description: String(raw.description?.value ?? ''),
    backendNodeId: raw.backendDOMNodeId,
    parentId: raw.parentId,
    childIds: raw.childIds ?? [],
    properties,
  };
}

/** Polls `probe` until it returns a value other than undefined/false, or throws with `what` after timeoutMs. */
export async function waitUntil<T>(what: string, probe: () => Promise<T | undefined | false>, timeoutMs = 15_000, intervalMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined && value !== false) return value;
    } catch (error) {
      // Nodes come and go while the UI re-renders; keep polling and report the last error on timeout.
      lastError = error;
    }
    if (Date.now() > deadline) {
      const suffix = lastError === undefined ? '' : ` (last error: ${lastError instanceof Error ? lastError.message : String(lastError)})`;
      throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}${suffix}`);
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

export interface AXDriver {
  readonly page: Page;
  readonly cdp: CDPSession;
  tree(): Promise<AXTree>;
  findAll(role: string, name?: NameMatcher): Promise<AXNode[]>;
  find(role: string, name?: NameMatcher): Promise<AXNode | undefined>;
  waitFor(role: string, name?: NameMatcher, timeoutMs?: number): Promise<AXNode>;
  waitForGone(role: string, name?: NameMatcher, timeoutMs?: number): Promise<void>;
  /** Text of the node's subtree as the accessibility tree exposes it (StaticText names). */
  axText(node: AXNode): Promise<string>;
  /** The DOM node's rendered innerText, read through CDP (works inside closed shadow roots). */
  innerText(node: AXNode): Promise<string>;
  /** Runs a function on the DOM node behind an AX node (read-only inspection: styles, attributes). */
  evaluateOn<R>(node: AXNode, fn: string): Promise<R>;
  box(node: AXNode): Promise<{ x: number; y: number; width: number; height: number }>;
  click(node: AXNode): Promise<void>;
  /** Clicks the node then types with real key events. */
  type(node: AXNode, text: string): Promise<void>;
  dumpRoles(): Promise<string>;
}

/**
 * `frame`: drive that frame instead of the top document. An out-of-process frame has its own
 * CDP target, whose boxes are relative to the frame: they are shifted by the frame element's
 * position in the page, so `box` and `click` work in page coordinates either way.
 */
export async function createAXDriver(page: Page, frame?: Frame): Promise<AXDriver> {
  const cdp = await page.context().newCDPSession(frame ?? page);
  const frameOrigin = async (): Promise<{ x: number; y: number }> => {
    if (frame === undefined) return { x: 0, y: 0 };
    const element = await frame.frameElement();
    const b = await element.boundingBox();
    await element.dispose();
    if (b === null) throw new Error('The panel frame is not on screen');
    return { x: b.x, y: b.y };
  };
  await cdp.send('Accessibility.enable');
  await cdp.send('DOM.enable');

  async function tree(): Promise<AXTree> {
    const { nodes } = await cdp.send('Accessibility.getFullAXTree', {});
    const list = nodes.filter((n) => !n.ignored).map(toNode);
    // Ignored nodes still link parents to children: keep them in the map for subtree walks.
    const byId = new Map(nodes.map((n) => [n.nodeId, toNode(n)] as const));
    return { nodes: list, byId };
  }

  async function findAll(role: string, name?: NameMatcher): Promise<AXNode[]> {
    const { nodes } = await tree();
    return nodes.filter((n) => n.role === role && (name === undefined || matches(n.name, name)));
  }

  async function find(role: string, name?: NameMatcher): Promise<AXNode | undefined> {
    return (await findAll(role, name))[0];
  }

  function requireBackend(node: AXNode): number {
    if (node.backendNodeId === undefined) throw new Error(`AX node ${node.role} "${node.name}" has no DOM node`);
    return node.backendNodeId;
  }

  async function evaluateOn<R>(node: AXNode, fn: string): Promise<R> {
    const { object } = await cdp.send('DOM.resolveNode', { backendNodeId: requireBackend(node) });
    if (object.objectId === undefined) throw new Error('DOM.resolveNode returned no object');
    try {
      const result = await cdp.send('Runtime.callFunctionOn', { objectId: object.objectId, functionDeclaration: fn, returnByValue: true, awaitPromise: true });
      if (result.exceptionDetails !== undefined) throw new Error(`evaluateOn failed: ${result.exceptionDetails.exception?.description ?? result.exceptionDetails.text}`);
      return result.result.value as R;
    } finally {
      await cdp.send('Runtime.releaseObject', { objectId: object.objectId });
    }
  }

  async function box(node: AXNode): Promise<{ x: number; y: number; width: number; height: number }> {
    const { model } = await cdp.send('DOM.getBoxModel', { backendNodeId: requireBackend(node) });
    const xs = [model.border[0], model.border[2], model.border[4], model.border[6]].map(Number);
    const ys = [model.border[1], model.border[3], model.border[5], model.border[7]].map(Number);
    const x = Math.min(...xs);
    const y = Math.min(...ys);
    const origin = await frameOrigin();
    return { x: x + origin.x, y: y + origin.y, width: Math.max(...xs) - x, height: Math.max(...ys) - y };
  }

  async function click(node: AXNode): Promise<void> {
    await cdp.send('DOM.scrollIntoViewIfNeeded', { backendNodeId: requireBackend(node) });
    const b = await box(node);
    if (b.width === 0 || b.height === 0) throw new Error(`${node.role} "${node.name}" has an empty box`);
    await page.mouse.click(b.x + b.width / 2, b.y + b.height / 2);
  }

  const driver: AXDriver = {
    page,
    cdp,
    tree,
    findAll,
    find,
    waitFor: (role, name, timeoutMs) => waitUntil(`${role} ${name === undefined ? '' : String(name)}`, () => find(role, name), timeoutMs),
    async waitForGone(role, name, timeoutMs) {
      await waitUntil(`${role} ${name === undefined ? '' : String(name)} to disappear`, async () => (await find(role, name)) === undefined, timeoutMs);
    },
    async axText(node) {
      const { byId } = await tree();
      const parts: string[] = [];
      const walk = (id: string): void => {
        const current = byId.get(id);
        if (current === undefined) return;
        if (current.role === 'StaticText') {
          parts.push(current.name);
          return;
        }
        for (const child of current.childIds) walk(child);
      };
      walk(node.id);
      return parts.join('');
    },
    innerText: (node) => evaluateOn<string>(node, 'function () { return this.innerText ?? this.textContent ?? ""; }'),
    evaluateOn,
    box,
    click,
    async type(node, text) {
      await click(node);
      await page.keyboard.type(text);
    },
    async dumpRoles() {
      const { nodes } = await tree();
      return nodes
        .filter((n) => !['StaticText', 'InlineTextBox', 'generic', 'none', 'LineBreak'].includes(n.role))
        .map((n) => `${n.role} "${n.name}"`)
        .join('\n');
    },
  };
  return driver;
}

/** Collapses whitespace so rendered markdown compares with the plain answer. */
export function normalise(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}
