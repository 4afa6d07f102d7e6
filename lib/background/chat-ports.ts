import { CHAT_PORT, type BackgroundToContent, type ContentToBackground } from '../messages.ts';
import { parseContentMessage } from './content-message.ts';
import { isPanelSender, panelTabId, type SenderLike } from './sender.ts';

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
  onMessage: (panelId: number, message: ContentToBackground) => void;
  /** The panel's current port went away: its tab closed, navigated or reloaded, or the side panel closed. */
  onPanelGone: (panelId: number) => void;
  log?: (message: string) => void;
}

export interface ChatPorts {
  /** Validates and registers a port; refused ports are disconnected. Returns the panel id when accepted. */
  accept(port: PortLike): number | undefined;
  has(panelId: number): boolean;
  /** Every connected panel's id. */
  tabIds(): number[];
  post(panelId: number, message: BackgroundToContent): boolean;
  broadcast(message: BackgroundToContent): void;
}

/**
 * The chat panels connected to the background, by panel id. A panel in a tab's
 * frame has its tab's id (one panel per tab; a reloaded page's new panel replaces
 * the old one); a side panel or sidebar has no tab and gets a negative id of its
 * own for as long as its port lives. Turns and recordings belong to a panel id
 * (docs/panel.md); the conversation is one, shared by every panel.
 */
export function createChatPorts(options: ChatPortsOptions): ChatPorts {
  const log = options.log ?? ((message: string) => console.warn(`[parley] ${message}`));
  const ports = new Map<number, PortLike>();
  let nextSideId = -1;

  function post(panelId: number, message: BackgroundToContent): boolean {
    const port = ports.get(panelId);
    if (!port) return false;
    try {
      port.postMessage(message);
      return true;
    } catch (error) {
      // The port closed between our lookup and the post; onDisconnect cleans up.
      log(`cannot post to panel ${panelId}: ${String(error)}`);
      return false;
    }
  }

  return {
    accept(port) {
      if (port.name !== CHAT_PORT) return undefined;
      if (!port.sender || !isPanelSender(port.sender, options.runtimeId)) {
        log('refused a chat port from a sender that is not the Parley chat panel');
        port.disconnect();
        return undefined;
      }
      const panelId = panelTabId(port.sender) ?? nextSideId--;
      // A reloaded or navigated page may connect before the old port's disconnect
      // arrives: the old page is gone either way (its turn is cancelled), the newest port wins.
      if (ports.has(panelId)) {
        ports.delete(panelId);
        options.onPanelGone(panelId);
      }
      ports.set(panelId, port);
      port.onMessage.addListener((raw) => {
        if (ports.get(panelId) !== port) return;
        const message = parseContentMessage(raw);
        if (!message) return log(`ignored a malformed chat message from panel ${panelId}`);
        options.onMessage(panelId, message);
      });
      port.onDisconnect.addListener(() => {
        if (ports.get(panelId) !== port) return;
        ports.delete(panelId);
        options.onPanelGone(panelId);
      });
      return panelId;
    },
    has: (panelId) => ports.has(panelId),
    tabIds: () => [...ports.keys()],
    post,
    broadcast(message) {
      for (const panelId of ports.keys()) post(panelId, message);
    },
  };
}
