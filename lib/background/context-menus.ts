// Every context-menu entry Parley adds, registered in one place (issue 12; the side-panel entry
// of issue 9 belongs here too). A menu click is a user action on that tab, which is what grants
// activeTab, so these entries can read the page; nothing is read until one is clicked.
import { browser } from 'wxt/browser';

export const MENU_ITEMS = {
  'parley-ask-selection': { title: 'Ask Parley about the selection', contexts: ['selection'] },
  'parley-read-selection': { title: 'Read aloud', contexts: ['selection'] },
  'parley-read-page': { title: 'Read this page aloud', contexts: ['page'] },
} as const;
export type MenuItemId = keyof typeof MENU_ITEMS;

export type MenuHandlers = Record<MenuItemId, (tabId: number) => void | Promise<void>>;

interface MenusApi {
  removeAll(): Promise<void>;
  create(properties: { id: string; title: string; contexts: string[] }): unknown;
  onClicked: {
    addListener(listener: (info: { menuItemId: string | number }, tab?: { id?: number }) => void): void;
    removeListener(listener: (info: { menuItemId: string | number }, tab?: { id?: number }) => void): void;
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
  const onClicked = (info: { menuItemId: string | number }, tab?: { id?: number }) => {
    if (!isMenuItemId(info.menuItemId) || tab?.id === undefined || tab.id < 0) return;
    Promise.resolve(handlers[info.menuItemId](tab.id)).catch((error: unknown) => onError(`menu "${String(info.menuItemId)}" failed`, error));
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
