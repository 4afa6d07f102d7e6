// Issue 12's background pieces wired together (attachments, read-aloud, the actions both the panel
// and the context menu use), so start-background.ts and the unit-test harness build them alike.
import type { BackgroundToContent } from '../messages.ts';
import { createAttachments, type Attachments } from './attachments.ts';
import { createContextActions, type ContextActions } from './context-actions.ts';
import type { MenuHandlers } from './context-menus.ts';
import type { PageContextDeps } from './page-context.ts';
import { SIDE_PANEL_MENU_ID } from '../side-panel.ts';
import { createReadAloud, type ReadAloud, type ReadAloudOptions } from './read-aloud.ts';

export interface ContextFeature {
  attachments: Attachments;
  readAloud: ReadAloud;
  actions: ContextActions;
  menuHandlers: MenuHandlers;
  /** The tab closed or navigated: its chip and its reading go. */
  forgetTab(tabId: number): void;
}

export function createContextFeature(options: {
  relay: ReadAloudOptions['relay'];
  post: (tabId: number, message: BackgroundToContent) => void;
  nextTurnId: () => number;
  pageContext: PageContextDeps;
  openChat: (tabId: number) => Promise<unknown>;
  pageTabOf: (panelId: number) => Promise<number | undefined>;
  /** Issue 9's "Open Parley in side panel" (it needs the window of the click). */
  openSidePanel: (windowId: number | undefined) => Promise<void>;
}): ContextFeature {
  const { post } = options;
  const attachments = createAttachments((tabId, preview) => post(tabId, { type: 'attachment', preview: preview ?? null }));
  const readAloud = createReadAloud({ relay: options.relay, post, nextTurnId: options.nextTurnId });
  const actions = createContextActions({
    pageContext: options.pageContext,
    attachments,
    readAloud,
    post,
    openChat: options.openChat,
    pageTabOf: options.pageTabOf,
  });
  return {
    attachments,
    readAloud,
    actions,
    menuHandlers: {
      [SIDE_PANEL_MENU_ID]: (_tabId, tab) => options.openSidePanel(tab.windowId),
      'parley-ask-selection': (tabId) => actions.attach(tabId, 'selection', { openChat: true }),
      'parley-read-selection': (tabId) => actions.readAloud(tabId, { kind: 'selection' }),
      'parley-read-page': (tabId) => actions.readAloud(tabId, { kind: 'page' }),
    },
    forgetTab(tabId) {
      attachments.remove(tabId);
      readAloud.stop(tabId);
    },
  };
}
