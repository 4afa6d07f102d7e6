// Drives Parley's closed shadow-root UI in Firefox by role and accessible name. Page
// scripts (and so puppeteer selectors, `pierce/` and `::-p-aria`) cannot enter a closed
// root, but the accessibility tree can: Firefox's parent process holds a cached copy of
// every tab's tree, reachable from the browser window's chrome scope over WebDriver BiDi
// when Firefox runs with --remote-allow-system-access. Buttons are pressed with their
// accessible action (a trusted click), text is typed with BiDi keyboard input.
import type { Browser, Page } from 'puppeteer-core';

export interface AxNode {
  role: string;
  name: string;
  description: string;
}

type AxOp = 'find' | 'press' | 'focus' | 'text' | 'dump';

// Runs in browser.xhtml (chrome scope). Finds the tab by URL prefix, walks its
// accessible tree and applies the operation to the first node matching role + name.
const CHROME_FUNCTION = `(op, urlPrefix, role, namePattern) => {
  const svc = Cc['@mozilla.org/accessibilityService;1'].getService(Ci.nsIAccessibilityService);
  const tab = gBrowser.browsers.find((b) => b.currentURI.spec.startsWith(urlPrefix));
  if (!tab) return { error: 'no tab at ' + urlPrefix };
  const root = svc.getAccessibleFor(tab);
  const pattern = namePattern === '' ? null : new RegExp(namePattern, 'i');
  const nodes = [];
  const walk = (a, depth) => {
    if (!a || depth > 60) return;
    nodes.push({ a, depth });
    for (let c = a.firstChild; c; c = c.nextSibling) walk(c, depth + 1);
  };
  walk(root, 0);
  const roleOf = (a) => svc.getStringRole(a.role);
  const textOf = (a) => {
    let out = '';
    const visit = (n) => {
      if (roleOf(n) === 'text leaf' || roleOf(n) === 'statictext') out += (n.name ?? '') + ' ';
      for (let c = n.firstChild; c; c = c.nextSibling) visit(c);
    };
    visit(a);
    return out.replace(/\\s+/g, ' ').trim();
  };
  if (op === 'dump') return { dump: nodes.map(({ a, depth }) => '  '.repeat(depth) + roleOf(a) + ' ' + JSON.stringify(a.name)).join('\\n') };
  const hit = nodes.find(({ a }) => roleOf(a) === role && (pattern === null || pattern.test(a.name ?? '')));
  if (!hit) return { found: false };
  const node = { role, name: hit.a.name ?? '', description: hit.a.description ?? '' };
  if (op === 'press') hit.a.doAction(0);
  if (op === 'focus') hit.a.takeFocus();
  if (op === 'text') return { found: true, node, text: textOf(hit.a) };
  return { found: true, node };
}`;

interface AxResult {
  error?: string;
  found?: boolean;
  node?: AxNode;
  text?: string;
  dump?: string;
}

export interface FirefoxAx {
  find(role: string, name?: RegExp): Promise<AxNode | undefined>;
  waitFor(role: string, name?: RegExp, timeoutMs?: number): Promise<AxNode>;
  press(role: string, name: RegExp, timeoutMs?: number): Promise<void>;
  /** Focuses the node and types `text` with the keyboard. */
  type(role: string, name: RegExp, text: string): Promise<void>;
  /** Text of the first node with this role (its text leaves joined, whitespace collapsed). */
  text(role: string, name?: RegExp): Promise<string>;
  waitForText(role: string, wanted: string, timeoutMs?: number): Promise<string>;
  dump(): Promise<string>;
}

export async function waitUntil<T>(what: string, probe: () => Promise<T | undefined | false>, timeoutMs = 15_000, everyMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value !== undefined && value !== false) return value;
    } catch (error) {
      lastError = error;
    }
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
  throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`, { cause: lastError });
}

export const normalise = (text: string): string => text.replace(/\s+/g, ' ').trim();

/** Puppeteer's raw BiDi connection (public at runtime, not in its typings). */
interface BidiSender {
  send(method: string, params: object): Promise<unknown>;
}
function bidi(browser: Browser): BidiSender {
  return (browser as unknown as { connection: BidiSender }).connection;
}

/** Top-level browsing contexts of every window, add-on popup windows included. */
export async function topContexts(browser: Browser): Promise<Array<{ context: string; url: string }>> {
  const tree = (await bidi(browser).send('browsingContext.getTree', { maxDepth: 0 })) as { result: { contexts: Array<{ context: string; url: string }> } };
  return tree.result.contexts.map(({ context, url }) => ({ context, url }));
}

/** Every browsing context with its frames, flattened (add-on popup windows included). */
export async function allContexts(browser: Browser): Promise<Array<{ context: string; url: string }>> {
  type Node = { context: string; url: string; children?: Node[] | null };
  const tree = (await bidi(browser).send('browsingContext.getTree', {})) as { result: { contexts: Node[] } };
  const out: Array<{ context: string; url: string }> = [];
  const walk = (node: Node) => {
    out.push({ context: node.context, url: node.url });
    for (const child of node.children ?? []) walk(child);
  };
  tree.result.contexts.forEach(walk);
  return out;
}

/** Evaluates an expression in a browsing context and returns its string value. */
export async function evaluateIn(browser: Browser, context: string, expression: string): Promise<string> {
  const response = (await bidi(browser).send('script.evaluate', { expression, target: { context }, awaitPromise: false })) as {
    result: { type: string; result?: { type: string; value?: unknown }; exceptionDetails?: { text: string } };
  };
  if (response.result.type !== 'success') throw new Error(`script.evaluate failed: ${response.result.exceptionDetails?.text ?? 'unknown'}`);
  return String(response.result.result?.value ?? '');
}

export async function createFirefoxAx(browser: Browser, page: Page, urlPrefix: string): Promise<FirefoxAx> {
  const tree = (await bidi(browser).send('browsingContext.getTree', { 'moz:scope': 'chrome' })) as {
    result: { contexts: Array<{ context: string; url: string }> };
  };
  const chrome = tree.result.contexts.find((c) => c.url === 'chrome://browser/content/browser.xhtml');
  if (chrome === undefined) throw new Error('No browser.xhtml chrome context: is Firefox running with --remote-allow-system-access?');

  async function call(op: AxOp, role = '', name?: RegExp): Promise<AxResult> {
    const response = (await bidi(browser).send('script.callFunction', {
      functionDeclaration: CHROME_FUNCTION,
      target: { context: chrome?.context ?? '' },
      awaitPromise: false,
      arguments: [op, urlPrefix, role, name?.source ?? ''].map((value) => ({ type: 'string', value })),
      resultOwnership: 'none',
      serializationOptions: { maxObjectDepth: 3 },
    })) as { result: { type: string; result?: { type: string; value: unknown }; exceptionDetails?: { text: string } } };
    if (response.result.type !== 'success') throw new Error(`chrome-scope accessibility call failed: ${response.result.exceptionDetails?.text ?? 'unknown'}`);
    return deserialize(response.result.result) as AxResult;
  }

  const ax: FirefoxAx = {
    async find(role, name) {
      const result = await call('find', role, name);
      if (result.error !== undefined) throw new Error(result.error);
      return result.found === true ? result.node : undefined;
    },
    waitFor(role, name, timeoutMs = 15_000) {
      return waitUntil(`${role} ${String(name ?? '')}`, () => ax.find(role, name), timeoutMs);
    },
    async press(role, name, timeoutMs) {
      await ax.waitFor(role, name, timeoutMs);
      await call('press', role, name);
    },
    async type(role, name, text) {
      await ax.waitFor(role, name);
      await call('focus', role, name);
      await page.keyboard.type(text);
    },
    async text(role, name) {
      const result = await call('text', role, name);
      return result.found === true ? normalise(result.text ?? '') : '';
    },
    waitForText(role, wanted, timeoutMs = 30_000) {
      return waitUntil(`the ${role} to contain "${wanted}"`, async () => {
        const text = await ax.text(role);
        return text.includes(normalise(wanted)) ? text : undefined;
      }, timeoutMs);
    },
    async dump() {
      return (await call('dump')).dump ?? '';
    },
  };
  return ax;
}

/** WebDriver BiDi remote values → plain JSON (objects, arrays, strings, numbers, booleans). */
function deserialize(value: { type: string; value?: unknown } | undefined): unknown {
  if (value === undefined) return undefined;
  switch (value.type) {
    case 'object':
      return Object.fromEntries((value.value as Array<[string, { type: string; value?: unknown }]>).map(([key, v]) => [key, deserialize(v)]));
    case 'array':
      return (value.value as Array<{ type: string; value?: unknown }>).map(deserialize);
    case 'undefined':
    case 'null':
      return undefined;
    default:
      return value.value;
  }
}

/** Opens `url` in a new tab, presses the launcher bubble and waits for the panel's message box. */
export async function openFirefoxChat(browser: Browser, url: string): Promise<{ page: Page; ax: FirefoxAx }> {
  const page = await browser.newPage();
  await page.goto(url);
  await page.bringToFront();
  const ax = await createFirefoxAx(browser, page, url);
  await ax.press('pushbutton', /^open chat$/, 20_000);
  await ax.waitFor('entry', /^message$/);
  return { page, ax };
}
