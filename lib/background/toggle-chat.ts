import { sendMessage } from '../messages.ts';

/**
 * Opens or closes the chat panel in a tab (keyboard shortcut, toolbar popup).
 * Uses tabs messaging, not the chat port: a tab opens its port only when the
 * panel first opens, so idle tabs do not keep waking the worker.
 * False when no Parley content script answers (disabled site, browser page).
 */
export async function toggleChatInTab(tabId: number): Promise<boolean> {
  try {
    await sendMessage('toggleChat', undefined, tabId);
    return true;
  } catch {
    // "Could not establish connection": nothing of Parley runs in that tab; the caller says so.
    return false;
  }
}
