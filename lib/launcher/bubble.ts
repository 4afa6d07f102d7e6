import { clampBubble, type BubblePosition } from '../chat/layout.ts';
import { CHAT_ICON, CLOSE_ICON } from './launcher-styles.ts';

export interface BubbleOptions {
  root: ShadowRoot;
  onToggle: () => void;
  /** A drag ended here: remember it. */
  onMoved: (position: BubblePosition) => void;
  /** The pointer came near: the panel may start loading. */
  onIntent: () => void;
}

export interface Bubble {
  readonly button: HTMLButtonElement;
  setOpen(open: boolean): void;
  /** The stored position (unclamped); the view clamps it to the window. */
  setPosition(position: BubblePosition): void;
  position(): BubblePosition;
  /** The window resized: clamp again. */
  relayout(): void;
}

/** Past this many px a press is a drag, not a click. */
const DRAG_THRESHOLD = 4;
const SVG_NS = 'http://www.w3.org/2000/svg';

const viewport = () => ({ width: innerWidth, height: innerHeight });

/**
 * The launcher bubble: a button, draggable, remembering where it was left.
 * Every handler ignores events the page dispatched (`isTrusted` false): the page
 * cannot reach the button itself, but it must not open the chat by faking input.
 */
export function createBubble(options: BubbleOptions): Bubble {
  const button = document.createElement('button');
  button.type = 'button';
  button.title = 'Parley (drag to move)';
  const svg = document.createElementNS(SVG_NS, 'svg');
  svg.setAttribute('viewBox', '0 0 24 24');
  svg.setAttribute('aria-hidden', 'true');
  const path = document.createElementNS(SVG_NS, 'path');
  svg.append(path);
  button.append(svg);
  options.root.append(button);

  let stored: BubblePosition = { right: 24, bottom: 24 };
  let shown = stored;
  let drag: { pointerId: number; x: number; y: number; start: BubblePosition; moved: boolean } | undefined;
  let suppressClick = false;

  function place(position: BubblePosition) {
    shown = clampBubble(position, viewport());
    button.style.right = `${shown.right}px`;
    button.style.bottom = `${shown.bottom}px`;
  }

  function setOpen(open: boolean) {
    button.setAttribute('aria-label', open ? 'Close chat' : 'Open chat');
    button.setAttribute('aria-expanded', String(open));
    path.setAttribute('d', open ? CLOSE_ICON : CHAT_ICON);
  }

  button.addEventListener('pointerenter', (event) => {
    if (event.isTrusted) options.onIntent();
  });
  button.addEventListener('focus', (event) => {
    if (event.isTrusted) options.onIntent();
  });
  button.addEventListener('pointerdown', (event) => {
    if (!event.isTrusted || event.button !== 0) return;
    drag = { pointerId: event.pointerId, x: event.clientX, y: event.clientY, start: shown, moved: false };
    button.setPointerCapture(event.pointerId);
  });
  button.addEventListener('pointermove', (event) => {
    if (!event.isTrusted || !drag || event.pointerId !== drag.pointerId) return;
    const dx = event.clientX - drag.x;
    const dy = event.clientY - drag.y;
    if (!drag.moved && Math.hypot(dx, dy) < DRAG_THRESHOLD) return;
    drag.moved = true;
    place({ right: drag.start.right - dx, bottom: drag.start.bottom - dy });
  });
  button.addEventListener('pointerup', (event) => {
    if (!event.isTrusted || !drag || event.pointerId !== drag.pointerId) return;
    if (drag.moved) {
      suppressClick = true;
      stored = shown;
      options.onMoved(shown);
    }
    drag = undefined;
  });
  button.addEventListener('pointercancel', () => (drag = undefined));
  button.addEventListener('click', (event) => {
    if (!event.isTrusted) return;
    // The click that ends a drag is not a toggle.
    if (suppressClick) {
      suppressClick = false;
      return;
    }
    options.onToggle();
  });
  button.addEventListener('keydown', (event) => {
    // Focus comes back here on close; Escape from here closes too.
    if (event.isTrusted && event.key === 'Escape' && button.getAttribute('aria-expanded') === 'true') options.onToggle();
  });

  setOpen(false);
  place(stored);
  return {
    button,
    setOpen,
    setPosition(position) {
      stored = position;
      place(position);
    },
    position: () => shown,
    relayout: () => place(stored),
  };
}
