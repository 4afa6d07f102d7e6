import { sendToLauncher } from '../launcher/launcher-message.ts';

/** Opens or closes the chat panel in a tab (shortcut, toolbar popup). False when nothing of Parley runs there. */
export async function toggleChatInTab(tabId: number): Promise<boolean> {
  try {
    return (await sendToLauncher(tabId, { type: 'parley:toggle' })) === true;
  } catch {
    // "Could not establish connection": nothing of Parley runs in that tab; the caller says so.
    return false;
  }
}
