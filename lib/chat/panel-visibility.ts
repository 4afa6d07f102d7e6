export interface PanelVisibility {
  /** Whether the panel can be seen now and nothing covers it (always true where the browser cannot tell). */
  unobscured(): boolean;
  dispose(): void;
}

/** `trackVisibility` and `isVisible` (IntersectionObserver v2) are not in TypeScript's DOM types yet. */
type VisibilityInit = IntersectionObserverInit & { trackVisibility: boolean; delay: number };
type VisibilityEntry = IntersectionObserverEntry & { isVisible?: boolean };

/**
 * Tells the panel whether it is on screen. In a page the launcher hides the frame
 * (display: none) rather than unloading it, so reopening is instant; a hidden frame's
 * document does not change its own visibilityState, but an IntersectionObserver on it
 * reports no intersection with the top-level viewport.
 *
 * Where the browser supports IntersectionObserver v2 (Chromium), it also says whether the
 * panel is visible unobscured: not covered by page content, not faded, filtered or
 * transformed by an ancestor. Recording starts only then, so a page cannot hide the panel
 * under something that invites a click and have that click start the microphone.
 */
export function watchPanelVisibility(target: Element, onChange: (visible: boolean) => void): PanelVisibility {
  let last: boolean | undefined;
  const supported = typeof IntersectionObserverEntry !== 'undefined' && 'isVisible' in IntersectionObserverEntry.prototype;
  // Until the first report, a browser that can tell has not told yet: not visible.
  let unobscured = !supported;
  const observer = new IntersectionObserver(
    (entries) => {
      for (const entry of entries as VisibilityEntry[]) {
        if (supported) unobscured = entry.isVisible === true;
        if (entry.isIntersecting === last) continue;
        last = entry.isIntersecting;
        onChange(entry.isIntersecting);
      }
    },
    // The browser's minimum delay for visibility tracking is 100 ms.
    (supported ? { trackVisibility: true, delay: 100 } : {}) as VisibilityInit,
  );
  observer.observe(target);
  return {
    unobscured: () => unobscured,
    dispose: () => observer.disconnect(),
  };
}
