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
      element.focus();
      element.contentWindow?.focus();
    },
    hasFocus: (shadow) => shadow.activeElement === element,
  };
}
