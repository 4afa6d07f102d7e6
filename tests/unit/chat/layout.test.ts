import { describe, expect, it } from 'vitest';
import { BUBBLE_SIZE, clampBubble, placePanel } from '../../../lib/chat/layout.ts';

const viewport = { width: 1280, height: 800 };

describe('clampBubble', () => {
  it('keeps a position that is on screen', () => {
    expect(clampBubble({ right: 24, bottom: 24 }, viewport)).toEqual({ right: 24, bottom: 24 });
  });
  it('pulls a bubble dragged off screen back inside', () => {
    expect(clampBubble({ right: -100, bottom: 5000 }, viewport)).toEqual({ right: 8, bottom: 800 - BUBBLE_SIZE - 8 });
    expect(clampBubble({ right: Number.NaN, bottom: 20 }, viewport)).toEqual({ right: 8, bottom: 20 });
  });
});

describe('placePanel', () => {
  it('opens above the default bubble, right-aligned with it', () => {
    const panel = placePanel({ right: 24, bottom: 24 }, viewport);
    expect(panel).toEqual({ left: 1280 - 24 - 380, top: 800 - 24 - BUBBLE_SIZE - 12 - 560, width: 380, height: 560 });
  });
  it('opens below a bubble near the top and stays inside the window', () => {
    const panel = placePanel({ right: 1280 - 60, bottom: 800 - 60 }, viewport);
    expect(panel.top).toBe(8 + BUBBLE_SIZE + 12);
    expect(panel.left).toBeGreaterThanOrEqual(8);
    expect(panel.top + panel.height).toBeLessThanOrEqual(800 - 8);
  });
  it('shrinks to a small window', () => {
    const panel = placePanel({ right: 8, bottom: 8 }, { width: 320, height: 400 });
    expect(panel.width).toBe(304);
    expect(panel.height).toBe(384);
  });
});
