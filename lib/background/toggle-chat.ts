import { browser } from 'wxt/browser';
import type { LauncherMessage } from '../launcher/launcher-message.ts';

/**
 * Sends a message to the launcher in a tab's top frame (keyboard shortcut, toolbar
 * popup, the panel closing itself). False when no launcher answers (site turned
 * off, browser page, or a page loaded before the extension).
 */
export async function messageLauncher(tabId: number, message: LauncherMessage): Promise<unknown> {
  return browser.tabs.sendMessage(tabId, message, { frameId: 0 });
}

/** Opens or closes the chat panel in a tab. False when nothing of Parley runs there. */
export async function toggleChatInTab(tabId: number): Promise<boolean> {
  try {
    return (await messageLauncher(tabId, { type: 'parley:toggle' })) === true;
  } catch {
    // "Could not establish connection": nothing of Parley runs in that tab; the caller says so.
    return false;
  }
}
