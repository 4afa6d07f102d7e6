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

/** The tab id of a Parley content script in a tab's top frame, else undefined. */
export function contentScriptTabId(sender: SenderLike | undefined, runtimeId: string, extensionOrigin: string): number | undefined {
  if (!sender || sender.id !== runtimeId) return undefined;
  if (typeof sender.url === 'string' && sender.url.startsWith(extensionOrigin)) return undefined;
  if (sender.frameId !== undefined && sender.frameId !== 0) return undefined;
  const tabId = sender.tab?.id;
  return typeof tabId === 'number' && tabId >= 0 ? tabId : undefined;
}
