import { storage } from 'wxt/utils/storage';
import { DEFAULT_BUBBLE_POSITION, type BubblePosition } from './layout.ts';

export const bubblePositionItem = storage.defineItem<BubblePosition>('local:bubblePosition', { fallback: DEFAULT_BUBBLE_POSITION });

/**
 * What the user typed but has not sent. In storage.local (content scripts cannot
 * read storage.session by default) so a reload, a crash or a relay restart never
 * loses it.
 */
export const draftItem = storage.defineItem<string>('local:chatDraft', { fallback: '' });

/** Spoken answers muted from the panel (settings.speech is the global switch). */
export const mutedItem = storage.defineItem<boolean>('local:chatMuted', { fallback: false });
