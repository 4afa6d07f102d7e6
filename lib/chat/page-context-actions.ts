// The panel's page-context controls (issue 12): attach the page or the selection, the chip's preview
// and remove, read-aloud with pause, resume and stop, and asking the browser for a site the first
// time its page is read (lib/site-access.ts). The chat controller spreads these into its actions.
import type { ContentToBackground } from '../messages.ts';
import type { AudioPlayer } from './audio-player.ts';
import type { PageContextState } from './page-context-state.svelte.ts';
import { isSiteAccessRequest, type SiteAccessRequest } from '../site-access.ts';

export interface PageContextActions {
  attachPage(): void;
  attachSelection(): void;
  removeAttachment(): void;
  togglePreview(): void;
  readPage(): void;
  readSelection(): void;
  pauseReading(): void;
  resumeReading(): void;
  stopReading(): void;
  /**
   * Asks the browser to let Parley read the site the last action needed, then does that action again.
   * `auto`: called right after the background said so, while the click that started it still counts
   * as a user action (Chrome); if the browser refuses to ask, the panel's "Allow" button remains.
   */
  allowSite(auto?: boolean): Promise<void>;
  dismissSiteAccess(): void;
}

type PageAction = Extract<ContentToBackground, { type: 'attachPage' | 'attachSelection' | 'readAloud' }>;

export function createPageContextActions(deps: {
  pageContext: PageContextState;
  post: (message: ContentToBackground) => void;
  /** The panel's player, once created (the first gesture creates it). */
  player: () => AudioPlayer | undefined;
  /** Reading aloud starts on a click: that gesture unlocks playback. */
  unlockAudio: () => void;
  /** `permissions.request` for the site (or a window that asks); must start while a click counts as a user action. */
  requestSiteAccess: (site: SiteAccessRequest) => Promise<boolean>;
}): PageContextActions {
  const { pageContext, post } = deps;
  /** The last attach or read, done again once the user allowed its site. */
  let last: PageAction | undefined;
  const run = (action: PageAction) => {
    last = action;
    if (action.type === 'readAloud') {
      deps.unlockAudio();
      deps.player()?.stop();
      pageContext.reading = 'starting';
    } else {
      pageContext.attaching = true;
    }
    pageContext.siteAccess = null;
    post(action);
  };
  return {
    attachPage: () => run({ type: 'attachPage' }),
    attachSelection: () => run({ type: 'attachSelection' }),
    removeAttachment: () => post({ type: 'removeAttachment' }),
    togglePreview() {
      pageContext.previewOpen = !pageContext.previewOpen;
    },
    readPage: () => run({ type: 'readAloud', kind: 'page' }),
    readSelection: () => run({ type: 'readAloud', kind: 'selection' }),
    pauseReading() {
      deps.player()?.pause();
      pageContext.reading = 'paused';
    },
    resumeReading() {
      deps.player()?.resume();
      pageContext.reading = 'reading';
    },
    stopReading() {
      post({ type: 'stopReadAloud' });
      deps.player()?.stop();
      pageContext.endReading();
    },
    async allowSite(auto = false) {
      const site = pageContext.siteAccess;
      // Only ever one named site, never a wildcard (lib/site-access.ts).
      if (!site || !last || !isSiteAccessRequest(site)) return;
      let granted: boolean;
      pageContext.askingSite = true;
      try {
        // A plain copy: the state is a Svelte proxy, which Chrome's API bindings refuse as an argument.
        granted = await deps.requestSiteAccess({ host: site.host, origins: [...site.origins] });
      } catch (error) {
        // Not a user action any more (Firefox asks for one inside the click itself): the button stays.
        if (!auto) pageContext.error = `The browser would not ask: ${error instanceof Error ? error.message : String(error)}`;
        return;
      } finally {
        pageContext.askingSite = false;
      }
      if (pageContext.siteAccess !== site) return; // something else happened meanwhile
      if (!granted) {
        pageContext.siteAccess = null;
        pageContext.error = `Parley was not allowed to read ${site.host}; nothing was read.`;
        return;
      }
      run(last);
    },
    dismissSiteAccess() {
      pageContext.siteAccess = null;
    },
  };
}
