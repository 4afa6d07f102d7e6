import { storage } from 'wxt/utils/storage';

/**
 * What the user typed but has not sent. In storage.local (shared by the in-page
 * panel and the side panel) so a reload, a crash or a relay restart never
 * loses it.
 */
export const draftItem = storage.defineItem<string>('local:chatDraft', { fallback: '' });

/** Spoken answers muted from the panel (settings.speech is the global switch). */
export const mutedItem = storage.defineItem<boolean>('local:chatMuted', { fallback: false });
