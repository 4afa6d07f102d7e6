// What the user can do with a tab's page or selection (issue 12), shared by the panel's controls
// (chat port messages) and the context menu: attach it to the next message, read it aloud, stop.
// Each reads the page only now, on that action.
import type { ContextCaps, ContextKind } from '../../protocol/index.ts';
import type { BackgroundToContent, ContextError } from '../messages.ts';
import type { Attachments } from './attachments.ts';
import { captureContext, type AttachmentPreview, type CaptureResult, type PageContextDeps } from './page-context.ts';
import type { ReadAloud } from './read-aloud.ts';

export interface ContextActionsDeps {
  pageContext: PageContextDeps;
  attachments: Attachments;
  readAloud: ReadAloud;
  post: (tabId: number, message: BackgroundToContent) => void;
  /** Shows the chat panel in the tab (the context menu's "Ask Parley about the selection"). */
  openChat: (tabId: number) => Promise<unknown>;
  /**
   * The tab whose page a panel means: an in-page panel's own tab (its id is the tab's), or for a
   * side panel (negative id) the active tab of the window it was used in.
   */
  pageTabOf: (panelId: number) => Promise<number | undefined>;
}

/** Every action takes the id of the panel that asked (a tab id, or a side panel's negative id). */
export interface ContextActions {
  attach(tabId: number, kind: ContextKind, options?: { openChat?: boolean }): Promise<void>;
  removeAttachment(tabId: number): void;
  /** Reads `text`, or the tab's page (kind 'page') or selection, aloud. */
  readAloud(tabId: number, source: { text: string } | { kind: ContextKind }): Promise<void>;
  stopReadAloud(tabId: number): void;
  /** The tab's chip, for a panel that (re)connects. */
  pending(tabId: number): AttachmentPreview | undefined;
}

export function createContextActions(deps: ContextActionsDeps): ContextActions {
  // The chip and the reading stay with the panel that asked; the page comes from its tab.
  const capture = async (panelId: number, kind: ContextKind, caps?: ContextCaps) => {
    const pageTab = await deps.pageTabOf(panelId).catch(() => undefined);
    return captureContext(deps.pageContext, pageTab ?? -1, kind, caps);
  };
  return {
    async attach(tabId, kind, options = {}) {
      const captured = await capture(tabId, kind);
      if (options.openChat) await deps.openChat(tabId);
      if (!captured.ok) return deps.post(tabId, { type: 'attachment', preview: null, error: captureError(captured) });
      deps.attachments.set(tabId, captured.value);
    },
    removeAttachment: (tabId) => deps.attachments.remove(tabId),
    async readAloud(tabId, source) {
      if ('text' in source) {
        deps.readAloud.start(tabId, source.text, '');
        return;
      }
      const maxChars = deps.pageContext.readAloudChars();
      const captured = await capture(tabId, source.kind, { maxChars, maxTokens: maxChars });
      if (!captured.ok) return deps.post(tabId, { type: 'readAloud', state: 'error', error: captureError(captured) });
      // Read-aloud speaks what the page has, within the relay's cap for one request.
      deps.readAloud.start(tabId, captured.value.attachment.text, captured.value.preview.title);
    },
    stopReadAloud: (tabId) => deps.readAloud.stop(tabId),
    pending: (tabId) => deps.attachments.get(tabId)?.preview,
  };
}

function captureError(failed: Extract<CaptureResult, { ok: false }>): ContextError {
  return { code: failed.code, message: failed.message, ...(failed.site ? { site: failed.site } : {}) };
}
