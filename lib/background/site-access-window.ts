// Where the chat panel cannot call permissions.request itself (Firefox gives an extension page framed
// into a web page no `permissions` API; checked on Firefox ESR 153 with tests/e2e/firefox/firefox-page-context.test.ts),
// the panel's "Allow" opens a small Parley window that asks (entrypoints/site-access). Only for the
// site of the page the panel is on, and only on that click; the answer goes back to the panels waiting for it.
import type { BackgroundToContent } from '../messages.ts';

export interface SiteAccessWindows {
  /** The panel's "Allow reading <host>": opens the window if `host` is its page's site. */
  request(panelId: number, host: string): Promise<void>;
  /** The window's answer (a trusted runtime message). */
  result(host: string, granted: boolean): void;
  /** The panel went away. */
  forget(panelId: number): void;
}

export function createSiteAccessWindows(deps: {
  /** The hostname of the page the panel is on (its tab, or a side panel's active tab). */
  hostOf: (panelId: number) => Promise<string | undefined>;
  open: (path: string) => Promise<unknown>;
  post: (panelId: number, message: BackgroundToContent) => void;
  log?: (message: string, error?: unknown) => void;
}): SiteAccessWindows {
  const waiting = new Map<string, Set<number>>();
  const answer = (panelId: number, host: string, granted: boolean) => deps.post(panelId, { type: 'siteAccess', host, granted });
  return {
    async request(panelId, host) {
      // A panel asks only for the site it shows: never another one.
      if ((await deps.hostOf(panelId).catch(() => undefined)) !== host) return answer(panelId, host, false);
      const panels = waiting.get(host) ?? new Set<number>();
      panels.add(panelId);
      waiting.set(host, panels);
      try {
        await deps.open(`/site-access.html?host=${encodeURIComponent(host)}`);
      } catch (error) {
        deps.log?.('cannot open the site-access window', error);
        panels.delete(panelId);
        answer(panelId, host, false);
      }
    },
    result(host, granted) {
      for (const panelId of waiting.get(host) ?? []) answer(panelId, host, granted);
      waiting.delete(host);
    },
    forget(panelId) {
      for (const panels of waiting.values()) panels.delete(panelId);
    },
  };
}
