// Every context-menu entry Parley adds, registered in one place: one removeAll, then every create
// (two modules each clearing and creating would race and delete each other's entries). A menu click
// is a user action on that tab, which is what grants activeTab, so the issue 12 entries can read the
// page; nothing is read until one is clicked.
import { browser } from 'wxt/browser';
import { SIDE_PANEL_MENU_ID } from '../side-panel.ts';

// MV3's toolbar button context is "action", MV2's (Firefox) "browser_action".
const TOOLBAR_CONTEXT = import.meta.env.FIREFOX ? 'browser_action' : 'action';

export const MENU_ITEMS = {
  [SIDE_PANEL_MENU_ID]: { title: 'Open Parley in side panel', contexts: ['page', TOOLBAR_CONTEXT] },
  'parley-ask-selection': { title: 'Ask Parley about the selection', contexts: ['selection'] },
  'parley-read-selection': { title: 'Read aloud', contexts: ['selection'] },
  'parley-read-page': { title: 'Read this page aloud', contexts: ['page'] },
} as const;
export type MenuItemId = keyof typeof MENU_ITEMS;

export interface MenuTab {
  id?: number;
  windowId?: number;
}
/** Handlers get the tab id (already checked) and the tab (the side panel needs its window). */
export type MenuHandlers = Record<MenuItemId, (tabId: number, tab: MenuTab) => void | Promise<void>>;

type ClickListener = (info: { menuItemId: string | number }, tab?: MenuTab) => void;
interface MenusApi {
  removeAll(): Promise<void>;
  create(properties: { id: string; title: string; contexts: string[] }): unknown;
  onClicked: {
    addListener(listener: ClickListener): void;
    removeListener(listener: ClickListener): void;
  };
}

/** Firefox names the API `menus` (with `contextMenus` as an alias); Chrome only `contextMenus`. */
export function browserMenus(): MenusApi {
  const api = browser as unknown as { menus?: MenusApi; contextMenus?: MenusApi };
  const menus = api.menus ?? api.contextMenus;
  if (!menus) throw new Error('No menus API: the manifest lacks the contextMenus/menus permission.');
  return menus;
}

const isMenuItemId = (id: string | number): id is MenuItemId => typeof id === 'string' && Object.hasOwn(MENU_ITEMS, id);

/**
 * Creates the entries (after removing any left by an earlier worker: MV3 keeps menus across
 * worker restarts, and creating an existing id fails) and routes clicks. Returns a remover.
 */
export function registerContextMenus(
  menus: MenusApi,
  handlers: MenuHandlers,
  onError: (message: string, error: unknown) => void,
): () => void {
  const onClicked: ClickListener = (info, tab) => {
    if (!isMenuItemId(info.menuItemId) || tab?.id === undefined || tab.id < 0) return;
    // Called synchronously: opening the side panel is only allowed while handling the click.
    Promise.resolve(handlers[info.menuItemId](tab.id, tab)).catch((error: unknown) => onError(`menu "${String(info.menuItemId)}" failed`, error));
  };
  // Registered first and synchronously: a click may be what woke the worker.
  menus.onClicked.addListener(onClicked);
  menus
    .removeAll()
    .then(() => {
      for (const [id, item] of Object.entries(MENU_ITEMS)) menus.create({ id, title: item.title, contexts: [...item.contexts] });
    })
    .catch((error: unknown) => onError('cannot create the context menu', error));
  return () => menus.onClicked.removeListener(onClicked);
}
