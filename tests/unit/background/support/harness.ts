import { createChatPorts, type PortLike } from '../../../../lib/background/chat-ports.ts';
import { createContentHandlers, dispatchContentMessage } from '../../../../lib/background/content-handlers.ts';
import { createConversationStore } from '../../../../lib/background/conversation-store.ts';
import type { RelayClient } from '../../../../lib/background/relay-client.ts';
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

export class FakeRecorderHost implements RecorderHost {
  starts: number[] = [];
  stops: boolean[] = [];
  result: RecorderStartResult = { ok: true };
  start = async (turnId: number) => {
    this.starts.push(turnId);
    return this.result;
  };
  stop = async (discard: boolean) => void this.stops.push(discard);
  dispose = () => undefined;
}

const live: { flush(): Promise<void> }[] = [];
/** Call in afterEach: lets each harness's storage writes land before the next test resets storage. */
export async function settleHarnesses(): Promise<void> {
  await Promise.all(live.splice(0).map((store) => store.flush()));
}

/** The background's modules wired as start-background.ts does, minus browser APIs. */
export async function createHarness() {
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
  const turns = createTurns({ store, relay: relayClient, ports, nextTurnId: () => nextTurn++, onVoiceFailed: (tabId, error) => voice.failFor(tabId, error), newId: () => `id-${++nextId}` });
  const voice = createVoice({ host, relay: relayClient, turns, ports, nextTurnId: () => nextTurn++, requestMicPermission: () => permissionPages.push(1) });
  const closedPanels: number[] = [];
  const handlers = createContentHandlers({ store, relay: relayClient, turns, voice, post: ports.post, closePanel: (tabId) => closedPanels.push(tabId) });

  const connect = (tabId: number) => {
    const port = new TestPort(panelSender(tabId));
    ports.accept(port);
    port.send({ type: 'hello' });
    return port;
  };
  const fromRelay = (message: ServerMessage) => turns.handleServerMessage(message);
  return { relay, host, ports, store, turns, voice, connect, fromRelay, permissionPages, closedPanels };
}
