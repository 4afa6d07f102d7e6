// The chat panel, driven the way a user (or a screen reader) meets it: by role and
// accessible name. Names are the ones issue 4 promises for the UI. The launcher bubble is
// in the page (closed shadow root); the panel is an extension page in its own frame.
import type { CDPSession, Frame, Page } from 'playwright-core';
import { createAXDriver, normalise, waitUntil, type AXDriver, type AXNode } from './ax.ts';

/** The panel page's path; Chrome serves it under a per-session dynamic id. */
export const PANEL_PATH = '/chat.html';

export const NAMES = {
  open: /^open chat$/i,
  close: /^close chat$/i,
  message: /^message$/i,
  send: /^send$/i,
  record: /^record voice$/i,
  stopRecording: /^stop recording$/i,
  stop: /^stop( generating)?$/i,
  newChat: /^new chat$/i,
  // Not the header's "Retry now" (reconnect) link: the per-message Retry button.
  retry: /^retry$/i,
  mute: /^(un)?mute spoken answer$/i,
} as const;

export interface ChatPanel {
  /** The panel frame (created when the panel first opens). */
  readonly ax: AXDriver;
  /** The page itself: the launcher bubble. */
  readonly launcher: AXDriver;
  /** The panel's frame, once it exists. */
  frame(): Promise<Frame>;
  readonly page: Page;
  /** Clicks the launcher bubble and waits for the input; returns the input node. */
  open(): Promise<AXNode>;
  isOpen(): Promise<boolean>;
  input(): Promise<AXNode>;
  /** Types into the Message box and clicks Send. */
  send(text: string): Promise<void>;
  /** Push-to-talk: clicks Record, waits until it records, runs `during` (speak, wait), then clicks Stop. */
  record(during: () => Promise<void>): Promise<void>;
  button(name: RegExp): Promise<AXNode>;
  log(): Promise<AXNode>;
  /** Rendered text of the message list, whitespace collapsed. */
  logText(): Promise<string>;
  /** Waits until the message list contains `text` (compared whitespace-insensitively). */
  waitForLogText(text: string, timeoutMs?: number): Promise<string>;
  /** Waits until the log text stops changing for `quietMs`. */
  waitForStableLog(quietMs?: number, timeoutMs?: number): Promise<string>;
  /** Finds a node inside the log whose rendered text equals `text` (whitespace-insensitive). */
  findMessage(text: string): Promise<AXNode | undefined>;
  /**
   * On-screen box of the panel: the dialog/region that holds the log and the input if the
   * UI names one, else the smallest box around the log, the input and the Send button.
   */
  panelBox(): Promise<Box>;
}

export interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

export function union(boxes: Box[]): Box {
  const x = Math.min(...boxes.map((b) => b.x));
  const y = Math.min(...boxes.map((b) => b.y));
  return { x, y, width: Math.max(...boxes.map((b) => b.x + b.width)) - x, height: Math.max(...boxes.map((b) => b.y + b.height)) - y };
}

function contains(outer: Box, inner: Box): boolean {
  return inner.x >= outer.x - 1 && inner.y >= outer.y - 1 && inner.x + inner.width <= outer.x + outer.width + 1 && inner.y + inner.height <= outer.y + outer.height + 1;
}

/** The frame of Parley's panel in `page`, waiting for the launcher to create it. */
export function panelFrame(page: Page, timeoutMs = 20_000): Promise<Frame> {
  return waitUntil(
    'the Parley panel frame',
    async () => page.frames().find((frame) => !frame.isDetached() && /^(chrome|moz)-extension:/.test(frame.url()) && new URL(frame.url()).pathname === PANEL_PATH),
    timeoutMs,
    50,
  );
}

/** An AX driver for the panel frame that follows the frame if the page reloads and makes a new one. */
function frameDriver(page: Page): AXDriver {
  let current: { frame: Frame; driver: Promise<AXDriver> } | undefined;
  const get = async (): Promise<AXDriver> => {
    if (current === undefined || current.frame.isDetached()) {
      const frame = await panelFrame(page);
      current = { frame, driver: createAXDriver(page, frame) };
    }
    return current.driver;
  };
  return {
    page,
    get cdp(): CDPSession {
      throw new Error('Use the driver methods: the panel frame has its own CDP session.');
    },
    tree: async () => (await get()).tree(),
    findAll: async (role, name) => (await get()).findAll(role, name),
    find: async (role, name) => (await get()).find(role, name),
    waitFor: (role, name, timeoutMs) => waitUntil(`${role} ${name === undefined ? '' : String(name)} in the panel`, async () => (await get()).find(role, name), timeoutMs),
    async waitForGone(role, name, timeoutMs) {
      await waitUntil(`${role} ${name === undefined ? '' : String(name)} to disappear from the panel`, async () => (await (await get()).find(role, name)) === undefined, timeoutMs);
    },
    axText: async (node) => (await get()).axText(node),
    innerText: async (node) => (await get()).innerText(node),
    evaluateOn: async (node, fn) => (await get()).evaluateOn(node, fn),
    box: async (node) => (await get()).box(node),
    click: async (node) => (await get()).click(node),
    type: async (node, text) => (await get()).type(node, text),
    dumpRoles: async () => (await get()).dumpRoles(),
  };
}

export async function openChatPanel(page: Page): Promise<ChatPanel> {
  const launcher = await createAXDriver(page);
  const ax = frameDriver(page);

  async function input(): Promise<AXNode> {
    return ax.waitFor('textbox', NAMES.message);
  }

  async function log(): Promise<AXNode> {
    return ax.waitFor('log');
  }

  async function logText(): Promise<string> {
    return normalise(await ax.innerText(await log()));
  }

  async function findMessage(text: string): Promise<AXNode | undefined> {
    const wanted = normalise(text);
    const root = await log();
    const { byId } = await ax.tree();
    const queue = [...root.childIds];
    while (queue.length > 0) {
      const node = byId.get(queue.shift() ?? '');
      if (node === undefined) continue;
      if (node.backendNodeId !== undefined && !['StaticText', 'InlineTextBox'].includes(node.role)) {
        const own = normalise(await ax.innerText(node).catch(() => ''));
        if (own === wanted) return node;
        // Only descend into nodes that could still hold the message.
        if (!own.includes(wanted)) continue;
      }
      queue.push(...node.childIds);
    }
    return undefined;
  }

  const panel: ChatPanel = {
    findMessage,
    async panelBox() {
      const parts = await Promise.all([log(), input(), ax.waitFor('button', NAMES.send)].map(async (n) => ax.box(await n)));
      const core = union(parts);
      for (const role of ['dialog', 'complementary', 'region', 'form']) {
        for (const node of await ax.findAll(role)) {
          const b = await ax.box(node).catch(() => undefined);
          if (b !== undefined && contains(b, core)) return b;
        }
      }
      return core;
    },
    ax,
    launcher,
    page,
    frame: () => panelFrame(page),
    async open() {
      if ((await launcher.find('button', NAMES.close)) !== undefined) return input();
      const bubble = await launcher.waitFor('button', NAMES.open, 20_000);
      await launcher.click(bubble);
      return input();
    },
    async isOpen() {
      return (await launcher.find('button', NAMES.close)) !== undefined;
    },
    input,
    async send(text) {
      await ax.type(await input(), text);
      await ax.click(await ax.waitFor('button', NAMES.send));
    },
    async record(during) {
      await ax.click(await ax.waitFor('button', NAMES.record));
      // Visible recording state: the button turns into "Stop recording".
      const stop = await ax.waitFor('button', NAMES.stopRecording, 20_000);
      await during();
      await ax.click(stop);
    },
    button: (name) => ax.waitFor('button', name),
    log,
    logText,
    waitForLogText(text, timeoutMs = 30_000) {
      const wanted = normalise(text);
      let last = '';
      return waitUntil(
        `the chat log to contain "${wanted}"`,
        async () => {
          last = await logText();
          return last.includes(wanted) ? last : undefined;
        },
        timeoutMs,
      ).catch((error: unknown) => {
        throw new Error(`${error instanceof Error ? error.message : String(error)}\nLog text was: "${last}"`, { cause: error });
      });
    },
    async waitForStableLog(quietMs = 1500, timeoutMs = 30_000) {
      let previous = await logText();
      let since = Date.now();
      return waitUntil(
        'the chat log to settle',
        async () => {
          const now = await logText();
          if (now !== previous) {
            previous = now;
            since = Date.now();
            return undefined;
          }
          return Date.now() - since >= quietMs ? now : undefined;
        },
        timeoutMs,
        150,
      );
    },
  };
  return panel;
}
