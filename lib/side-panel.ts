import { browser } from 'wxt/browser';

/** The context-menu entry on pages and on the toolbar button (registered by lib/background/context-menus.ts). */
export const SIDE_PANEL_MENU_ID = 'parley-open-side-panel';

/** Firefox's sidebar API (not in Chrome's types). */
interface SidebarAction {
  open(): Promise<void>;
}

/**
 * Opens the chat in Chrome's side panel or Firefox's sidebar (the same page as the in-page
 * panel, `chat.html?mode=side`, sharing the conversation). Both browsers accept this only
 * while handling a user action (a click in the popup, a context-menu click), so callers
 * call it before awaiting anything.
 */
export function openSidePanel(windowId: number | undefined): Promise<void> {
  if (import.meta.env.FIREFOX) return (browser as unknown as { sidebarAction: SidebarAction }).sidebarAction.open();
  if (windowId === undefined) return Promise.reject(new Error('No browser window to open the side panel in.'));
  return browser.sidePanel.open({ windowId });
}
