import { browser } from 'wxt/browser';

/** The context-menu entry on pages and on the toolbar button. */
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

/**
 * The "Open Parley in side panel" context-menu entry. Menus are created anew on every
 * background start (removeAll first: Chrome keeps them across worker restarts, and a
 * second create with the same id fails). Returns a remover.
 */
export function registerSidePanelMenu(log: (message: string, error?: unknown) => void): () => void {
  const menus = browser.contextMenus;
  menus
    .removeAll()
    .then(() => {
      menus.create({
        id: SIDE_PANEL_MENU_ID,
        title: 'Open Parley in side panel',
        // MV3's toolbar button context is "action", MV2's (Firefox) "browser_action".
        contexts: ['page', import.meta.env.FIREFOX ? 'browser_action' : 'action'],
      });
    })
    .catch((error: unknown) => log('cannot create the side panel menu entry', error));
  const onClicked = (info: { menuItemId: string | number }, tab?: { windowId?: number }) => {
    if (info.menuItemId !== SIDE_PANEL_MENU_ID) return;
    openSidePanel(tab?.windowId).catch((error: unknown) => log('cannot open the side panel', error));
  };
  menus.onClicked.addListener(onClicked);
  return () => menus.onClicked.removeListener(onClicked);
}
