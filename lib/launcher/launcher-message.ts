/**
 * What the background (keyboard shortcut, toolbar popup, the panel's Close) asks of
 * a tab's launcher, over tabs.sendMessage to the top frame. Plain objects rather than
 * the extension's typed messaging library: the launcher loads on every page and stays
 * a few KB. Only Parley's own contexts can reach a content script's runtime.onMessage.
 */
import { browser } from 'wxt/browser';

export type LauncherMessage =
  | { type: 'parley:toggle' } // open or close the panel
  | { type: 'parley:close' } // the panel closed itself (Escape, Close): hide it, focus goes back to the page
  | { type: 'parley:page-host' }; // the toolbar popup asks which site this is (to turn Parley off there)

const TYPES: ReadonlySet<string> = new Set<LauncherMessage['type']>(['parley:toggle', 'parley:close', 'parley:page-host']);

export function isLauncherMessage(value: unknown): value is LauncherMessage {
  return typeof value === 'object' && value !== null && TYPES.has((value as { type?: unknown }).type as string);
}

/**
 * Sends a message to the launcher in a tab's top frame (background, toolbar popup). Rejects
 * when no launcher listens (site turned off, browser page, a page loaded before the extension).
 */
export function sendToLauncher(tabId: number, message: LauncherMessage): Promise<unknown> {
  return browser.tabs.sendMessage(tabId, message, { frameId: 0 });
}
