import type { PanelPlacement } from '../chat/layout.ts';

export interface PanelFrame {
  readonly element: HTMLIFrameElement;
  show(placement: PanelPlacement): void;
  hide(): void;
  isShown(): boolean;
  /** Moves focus into the panel (its page then focuses the message box). */
  focus(): void;
  /** Focus is inside the panel right now. */
  hasFocus(root: ShadowRoot): boolean;
}

/**
 * The panel's frame: an extension page (entrypoints/chat), cross-origin to the page
 * and, in Chromium, out of process. The page sees an iframe element and nothing
 * inside it: not the DOM, not the keys typed there, not the work done there.
 * Created hidden; shown and placed next to the bubble by the launcher.
 */
export function createPanelFrame(root: ShadowRoot, url: string): PanelFrame {
  const element = document.createElement('iframe');
  element.hidden = true;
  element.title = 'Parley chat';
  // Without this the page's policy could grant the frame nothing, and the panel needs nothing
  // from the page: audio plays in the frame, the microphone is recorded elsewhere (README).
  element.setAttribute('allow', 'autoplay');
  element.src = url;
  let loaded = false;
  let focusOnLoad = false;
  const focus = () => {
    element.focus();
    element.contentWindow?.focus();
  };
  element.addEventListener('load', () => {
    loaded = true;
    // Focus given to the frame before its extension page loaded is given to the initial
    // document, which the load replaces: focus it again once the panel is there (a cold open).
    if (focusOnLoad && !element.hidden) focus();
    focusOnLoad = false;
  });
  root.append(element);
  return {
    element,
    show(placement) {
      const style = element.style;
      style.left = `${placement.left}px`;
      style.top = `${placement.top}px`;
      style.width = `${placement.width}px`;
      style.height = `${placement.height}px`;
      element.hidden = false;
    },
    hide() {
      element.hidden = true;
    },
    isShown: () => !element.hidden,
    focus() {
      focus();
      if (!loaded) focusOnLoad = true;
    },
    hasFocus: (shadow) => shadow.activeElement === element,
  };
}
