/** Where the launcher bubble sits: offsets from the bottom-right corner (px). */
export interface BubblePosition {
  right: number;
  bottom: number;
}

export const DEFAULT_BUBBLE_POSITION: BubblePosition = { right: 24, bottom: 24 };

export const BUBBLE_SIZE = 52;
const MARGIN = 8;

/** Keeps the bubble fully on screen (after a drag or a window resize). */
export function clampBubble(position: BubblePosition, viewport: { width: number; height: number }): BubblePosition {
  const maxRight = Math.max(MARGIN, viewport.width - BUBBLE_SIZE - MARGIN);
  const maxBottom = Math.max(MARGIN, viewport.height - BUBBLE_SIZE - MARGIN);
  const clamp = (value: number, max: number) => Math.min(max, Math.max(MARGIN, Number.isFinite(value) ? value : MARGIN));
  return { right: Math.round(clamp(position.right, maxRight)), bottom: Math.round(clamp(position.bottom, maxBottom)) };
}

export const PANEL_WIDTH = 380;
export const PANEL_HEIGHT = 560;
const GAP = 12;

export interface PanelPlacement {
  left: number;
  top: number;
  width: number;
  height: number;
}

/**
 * The panel opens next to the bubble (above it when there is room, else below),
 * shrinks on small windows, and never leaves the viewport.
 */
export function placePanel(bubble: BubblePosition, viewport: { width: number; height: number }): PanelPlacement {
  const width = Math.min(PANEL_WIDTH, viewport.width - 2 * MARGIN);
  const height = Math.min(PANEL_HEIGHT, viewport.height - 2 * MARGIN);
  const bubbleLeft = viewport.width - bubble.right - BUBBLE_SIZE;
  const bubbleTop = viewport.height - bubble.bottom - BUBBLE_SIZE;
  let top = bubbleTop - GAP - height;
  if (top < MARGIN) top = bubbleTop + BUBBLE_SIZE + GAP;
  let left = bubbleLeft + BUBBLE_SIZE - width;
  const clamp = (value: number, max: number) => Math.round(Math.min(Math.max(MARGIN, max), Math.max(MARGIN, value)));
  left = clamp(left, viewport.width - width - MARGIN);
  top = clamp(top, viewport.height - height - MARGIN);
  return { left, top, width: Math.max(0, width), height: Math.max(0, height) };
}
