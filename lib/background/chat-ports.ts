import { CHAT_PORT, type BackgroundToContent, type ContentToBackground } from '../messages.ts';
import { parseContentMessage } from './content-message.ts';
import { contentScriptTabId, type SenderLike } from './sender.ts';

/** The slice of runtime.Port the registry uses (the fake browser has no ports; tests pass fakes). */
export interface PortLike {
  name: string;
  sender?: SenderLike;
  postMessage(message: BackgroundToContent): void;
  disconnect(): void;
  onMessage: { addListener(listener: (message: unknown) => void): void };
  onDisconnect: { addListener(listener: () => void): void };
}

export interface ChatPortsOptions {
  runtimeId: string;
  extensionOrigin: string;
  onMessage: (tabId: number, message: ContentToBackground) => void;
  /** The tab's current port went away: the tab closed, navigated or reloaded. */
  onTabGone: (tabId: number) => void;
  log?: (message: string) => void;
}

export interface ChatPorts {
  /** Validates and registers a port; refused ports are disconnected. Returns the tab id when accepted. */
  accept(port: PortLike): number | undefined;
  has(tabId: number): boolean;
  tabIds(): number[];
  post(tabId: number, message: BackgroundToContent): boolean;
  broadcast(message: BackgroundToContent): void;
}

export function createChatPorts(options: ChatPortsOptions): ChatPorts {
  const log = options.log ?? ((message: string) => console.warn(`[parley] ${message}`));
  const ports = new Map<number, PortLike>();

  function post(tabId: number, message: BackgroundToContent): boolean {
    const port = ports.get(tabId);
    if (!port) return false;
    try {
      port.postMessage(message);
      return true;
    } catch (error) {
      // The port closed between our lookup and the post; onDisconnect cleans up.
      log(`cannot post to tab ${tabId}: ${String(error)}`);
      return false;
    }
  }

  return {
    accept(port) {
      if (port.name !== CHAT_PORT) return undefined;
      const tabId = contentScriptTabId(port.sender, options.runtimeId, options.extensionOrigin);
      if (tabId === undefined) {
        log('refused a chat port from a sender that is not a top-frame Parley content script');
        port.disconnect();
        return undefined;
      }
      // A reloaded or navigated page may connect before the old port's disconnect
      // arrives: the old page is gone either way (its turn is cancelled), the newest port wins.
      if (ports.has(tabId)) {
        ports.delete(tabId);
        options.onTabGone(tabId);
      }
      ports.set(tabId, port);
      port.onMessage.addListener((raw) => {
        if (ports.get(tabId) !== port) return;
        const message = parseContentMessage(raw);
        if (!message) return log(`ignored a malformed chat message from tab ${tabId}`);
        options.onMessage(tabId, message);
      });
      port.onDisconnect.addListener(() => {
        if (ports.get(tabId) !== port) return;
        ports.delete(tabId);
        options.onTabGone(tabId);
      });
      return tabId;
    },
    has: (tabId) => ports.has(tabId),
    tabIds: () => [...ports.keys()],
    post,
    broadcast(message) {
      for (const tabId of ports.keys()) post(tabId, message);
    },
  };
}
