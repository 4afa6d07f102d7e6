import type { ContextCaps } from '../../../../protocol/index.ts';
import { createContextFeature } from '../../../../lib/background/context-feature.ts';
import type { ExtractScript, PageContextDeps } from '../../../../lib/background/page-context.ts';
import { createChatPorts, type PortLike } from '../../../../lib/background/chat-ports.ts';
import { createContentHandlers, dispatchContentMessage } from '../../../../lib/background/content-handlers.ts';
import { createConversationStore } from '../../../../lib/background/conversation-store.ts';
import type { RelayClient } from '../../../../lib/background/relay-client.ts';
import { createConversation, type EngineChannel } from '../../../../lib/background/conversation.ts';
import { createTurns } from '../../../../lib/background/turns.ts';
import { createVoice } from '../../../../lib/background/voice.ts';
import { CHAT_PORT, type BackgroundToContent, type ConnectionStatus, type ContentToBackground } from '../../../../lib/messages.ts';
import type { RecorderHost, RecorderStartResult } from '../../../../lib/recorder/recorder-host.ts';
import type { ClientMessage, OkInfo, ServerMessage } from '../../../../protocol/index.ts';

export const RUNTIME_ID = 'parley-test-id';
export const ORIGIN = `chrome-extension://${RUNTIME_ID}/`;

/** A chat port as the background sees it, driven by the test as the content script. */
export class TestPort implements PortLike {
  name = CHAT_PORT;
  received: BackgroundToContent[] = [];
  disconnected = false;
  private messageListeners: ((message: unknown) => void)[] = [];
  private disconnectListeners: (() => void)[] = [];
  constructor(readonly sender: PortLike['sender']) {}
  postMessage(message: BackgroundToContent) {
    this.received.push(structuredClone(message));
  }
  disconnect() {
    this.disconnected = true;
  }
  onMessage = { addListener: (listener: (message: unknown) => void) => void this.messageListeners.push(listener) };
  onDisconnect = { addListener: (listener: () => void) => void this.disconnectListeners.push(listener) };
  // ---- content-script side
  send(message: ContentToBackground | Record<string, unknown>) {
    for (const listener of this.messageListeners) listener(message);
  }
  close() {
    for (const listener of this.disconnectListeners) listener();
  }
  of<K extends BackgroundToContent['type']>(type: K) {
    return this.received.filter((message): message is Extract<BackgroundToContent, { type: K }> => message.type === type);
  }
}

export const tabSender = (tabId: number, extra: Partial<NonNullable<PortLike['sender']>> = {}) => ({
  id: RUNTIME_ID,
  url: `https://site-${tabId}.example/`,
  frameId: 0,
  tab: { id: tabId },
  ...extra,
});

/** The chat panel page framed into tab `tabId` (Chrome's dynamic-id URL), or the side panel when `tabId` is undefined. */
export const panelSender = (tabId: number | undefined, extra: Partial<NonNullable<PortLike['sender']>> = {}) => ({
  id: RUNTIME_ID,
  url: 'chrome-extension://0f1e2d3c-dynamic-id/chat.html',
  ...(tabId === undefined ? {} : { frameId: 3, tab: { id: tabId } }),
  ...extra,
});

/** The relay client's surface, with the socket replaced by arrays the test reads and feeds. */
export class FakeRelay {
  sent: ClientMessage[] = [];
  ready = true;
  status: ConnectionStatus = { state: 'connected' };
  ensureCalls = 0;
  restarts = 0;
  send = (message: ClientMessage) => {
    if (!this.ready) return false;
    this.sent.push(message);
    return true;
  };
  isReady = () => this.ready;
  ensureConnected = () => void this.ensureCalls++;
  getStatus = () => this.status;
  okInfo = (): OkInfo | undefined => undefined;
  restart = () => void this.restarts++;
  sentOf<K extends ClientMessage['type']>(type: K) {
    return this.sent.filter((message): message is Extract<ClientMessage, { type: K }> => message.type === type);
  }
}

/** A tab's page as the extraction scripts would report it (issue 12). */
export class FakePage implements PageContextDeps {
  host: string | undefined = 'news.example';
  allowed = true;
  results: Partial<Record<ExtractScript, unknown>> = {};
  injected: Array<{ tabId: number; file: ExtractScript }> = [];
  contextCaps: ContextCaps = { maxChars: 24_000, maxTokens: 6_000 };
  getHost = async () => this.host;
  isSiteAllowed = async () => this.allowed;
  /** Sites the user allowed (lib/site-access.ts); checked only after the browser refused an injection. */
  granted = new Set<string>();
  accessChecks: string[] = [];
  hasSiteAccess = async (host: string) => {
    this.accessChecks.push(host);
    return this.granted.has(host);
  };
  inject = async (tabId: number, file: ExtractScript) => {
    this.injected.push({ tabId, file });
    if (!(file in this.results)) throw new Error('Cannot access contents of the page.');
    return this.results[file];
  };
  caps = () => this.contextCaps;
  readAloudChars = () => 100_000;
}

export class FakeRecorderHost implements RecorderHost {
  starts: number[] = [];
  stops: boolean[] = [];
  result: RecorderStartResult = { ok: true };
  start = async (turnId: number) => {
    this.starts.push(turnId);
    return this.result;
  };
  stop = async (discard: boolean) => void this.stops.push(discard);
  holds = 0;
  /** Makes the next holdEngine fail (Firefox: no grant, or the window did not open). */
  holdError: Error | undefined;
  /** What the conversation passed to hear about a lost engine document. */
  onLost: (() => void) | undefined;
  holdEngine = async (onLost?: () => void) => {
    if (this.holdError) throw this.holdError;
    this.holds++;
    this.onLost = onLost;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.holds--;
    };
  };
  dispose = () => undefined;
}

/** The voice engine as the background reaches it (runtime messages in the extension). */
export class FakeEngine implements EngineChannel {
  calls: string[] = [];
  result: Awaited<ReturnType<EngineChannel['start']>> = { ok: true };
  start = async (silenceMs: number) => {
    this.calls.push(`start ${silenceMs}`);
    return this.result;
  };
  stop = async () => void this.calls.push('stop');
  speak = async (id: string) => void this.calls.push(`speak ${id}`);
  answerEnded = async () => void this.calls.push('answerEnded');
}

const live: { flush(): Promise<void> }[] = [];
/** Call in afterEach: lets each harness's storage writes land before the next test resets storage. */
export async function settleHarnesses(): Promise<void> {
  await Promise.all(live.splice(0).map((store) => store.flush()));
}

/** The background's modules wired as start-background.ts does, minus browser APIs. */
export async function createHarness(options: { now?: () => number } = {}) {
  let nextId = 0;
  let nextTurn = 100;
  const relay = new FakeRelay();
  const host = new FakeRecorderHost();
  const permissionPages: number[] = [];
  const ports = createChatPorts({
    runtimeId: RUNTIME_ID,
    onMessage: (tabId, message) => void dispatchContentMessage(handlers, tabId, message),
    onPanelGone: (tabId) => {
      turns.cancelTab(tabId);
      voice.discard(tabId);
    },
    log: () => undefined,
  });
  const store = createConversationStore({ newId: () => `id-${++nextId}`, onChange: (conversation) => ports.broadcast({ type: 'conversation', conversation }) });
  live.push(store);
  await store.ready();
  const relayClient = relay as unknown as RelayClient;
  const page = new FakePage();
  const opened: number[] = [];
  const context = createContextFeature({
    relay: relayClient,
    post: ports.post,
    nextTurnId: () => nextTurn++,
    pageContext: page,
    openChat: async (tabId) => opened.push(tabId),
    openSidePanel: async () => undefined,
    // Side panels (negative ids) read the page of tab 7, the window's active tab in these tests.
    pageTabOf: async (panelId) => (panelId >= 0 ? panelId : 7),
  });
  const turns = createTurns({
    store,
    relay: relayClient,
    ports,
    nextTurnId: () => nextTurn++,
    onVoiceFailed: (tabId, error) => voice.failFor(tabId, error),
    newId: () => `id-${++nextId}`,
    attachments: context.attachments,
    takeSpeech: (turnId, index, audio, entryId, sentence) => conversation.takeSpeech(turnId, index, audio, entryId, sentence),
    onTurnEnded: (turnId) => conversation.turnEnded(turnId),
  });
  const voice = createVoice({
    host,
    relay: relayClient,
    turns,
    ports,
    nextTurnId: () => nextTurn++,
    requestMicPermission: () => permissionPages.push(1),
    attachments: context.attachments,
    now: options.now,
  });
  const engine = new FakeEngine();
  const conversation = createConversation({ host, engine, relay: relayClient, voice, turns, post: ports.post, requestMicPermission: () => permissionPages.push(1), settings: async () => ({ silenceMs: 800, echoCancellation: true }), log: () => undefined });
  const closedPanels: number[] = [];
  const handlers = createContentHandlers({
    store,
    relay: relayClient,
    turns,
    voice,
    context: context.actions,
    conversation,
    post: ports.post,
    closePanel: (tabId) => closedPanels.push(tabId),
  });

  const connect = (tabId: number) => {
    const port = new TestPort(panelSender(tabId));
    ports.accept(port);
    port.send({ type: 'hello' });
    return port;
  };
  const fromRelay = (message: ServerMessage) => {
    if (!context.readAloud.handleServerMessage(message)) turns.handleServerMessage(message);
  };
  return { relay, host, ports, store, turns, voice, context, conversation, engine, page, opened, connect, fromRelay, permissionPages, closedPanels };
}
