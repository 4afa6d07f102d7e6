// The panel's page-context controls (issue 12): attach the page or the selection, the chip's preview
// and remove, and read-aloud with pause, resume and stop. The chat controller spreads these into its actions.
import type { ContentToBackground } from '../messages.ts';
import type { AudioPlayer } from './audio-player.ts';
import type { PageContextState } from './page-context-state.svelte.ts';

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
}

export function createPageContextActions(deps: {
  pageContext: PageContextState;
  post: (message: ContentToBackground) => void;
  /** The panel's player, once created (the first gesture creates it). */
  player: () => AudioPlayer | undefined;
  /** Reading aloud starts on a click: that gesture unlocks playback. */
  unlockAudio: () => void;
}): PageContextActions {
  const { pageContext, post } = deps;
  const read = (kind: 'page' | 'selection') => {
    deps.unlockAudio();
    deps.player()?.stop();
    pageContext.reading = 'starting';
    post({ type: 'readAloud', kind });
  };
  const attach = (type: 'attachPage' | 'attachSelection') => {
    pageContext.attaching = true;
    post({ type });
  };
  return {
    attachPage: () => attach('attachPage'),
    attachSelection: () => attach('attachSelection'),
    removeAttachment: () => post({ type: 'removeAttachment' }),
    togglePreview() {
      pageContext.previewOpen = !pageContext.previewOpen;
    },
    readPage: () => read('page'),
    readSelection: () => read('selection'),
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
  };
}
