/**
 * Trust checks for runtime messages and ports. Content scripts run inside
 * hostile pages, so only what a Parley context can send is accepted.
 */
export interface SenderLike {
  id?: string;
  url?: string;
  frameId?: number;
  tab?: { id?: number };
}

/** A Parley extension page (options, popup, offscreen, permission page): its URL is inside the extension. */
export function isExtensionPageSender(sender: SenderLike | undefined, runtimeId: string, extensionOrigin: string): boolean {
  return sender?.id === runtimeId && typeof sender.url === 'string' && sender.url.startsWith(extensionOrigin);
}

/** The chat panel's page (entrypoints/chat): in a page's frame, a tab of its own, or the side panel. */
export const PANEL_PATH = '/chat.html';

/**
 * Whether a port comes from Parley's chat panel page. Chrome serves the in-page
 * panel under a per-session dynamic id (`use_dynamic_url`), so its URL need not
 * start with the extension's static origin: what counts is our extension id
 * (set by the browser, not by the sender) and an extension URL of the panel page.
 * A content script, whatever page it runs in, never has an extension URL.
 */
export function isPanelSender(sender: SenderLike | undefined, runtimeId: string): boolean {
  if (!sender || sender.id !== runtimeId || typeof sender.url !== 'string') return false;
  let url: URL;
  try {
    url = new URL(sender.url);
  } catch {
    return false;
  }
  return (url.protocol === 'chrome-extension:' || url.protocol === 'moz-extension:') && url.pathname === PANEL_PATH;
}

/** The tab a panel belongs to (its frame's tab), or undefined for the side panel / sidebar. */
export function panelTabId(sender: SenderLike): number | undefined {
  const tabId = sender.tab?.id;
  return typeof tabId === 'number' && tabId >= 0 ? tabId : undefined;
}
