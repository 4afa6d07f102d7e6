// Attachments waiting for their message: one per tab (the chip in that tab's panel), bound to the
// user entry it is sent with, kept until that message is answered so a retry can send it again.
// In memory only: if the browser stops the worker before the message goes out, the chip is gone
// and the user attaches again (page text is never written to storage).
import type { ContextAttachment } from '../../protocol/index.ts';
import type { AttachmentPreview, CapturedContext } from './page-context.ts';

export interface Attachments {
  /** The tab's pending attachment; replaces an earlier one. */
  set(tabId: number, captured: CapturedContext): void;
  get(tabId: number): CapturedContext | undefined;
  remove(tabId: number): void;
  /** Moves the tab's pending attachment onto the message about to be sent from it. */
  bindToEntry(tabId: number, entryId: string): AttachmentPreview | undefined;
  forEntry(entryId: string): ContextAttachment | undefined;
  /** The entry was answered: the relay holds the attachment in its history now. */
  release(entryId: string): void;
  clear(): void;
}

export function createAttachments(onChange: (tabId: number, preview: AttachmentPreview | undefined) => void): Attachments {
  const pending = new Map<number, CapturedContext>();
  const bound = new Map<string, ContextAttachment>();
  return {
    set(tabId, captured) {
      pending.set(tabId, captured);
      onChange(tabId, captured.preview);
    },
    get: (tabId) => pending.get(tabId),
    remove(tabId) {
      if (pending.delete(tabId)) onChange(tabId, undefined);
    },
    bindToEntry(tabId, entryId) {
      const captured = pending.get(tabId);
      if (!captured) return undefined;
      pending.delete(tabId);
      bound.set(entryId, captured.attachment);
      onChange(tabId, undefined);
      return captured.preview;
    },
    forEntry: (entryId) => bound.get(entryId),
    release(entryId) {
      bound.delete(entryId);
    },
    clear() {
      for (const tabId of [...pending.keys()]) this.remove(tabId);
      bound.clear();
    },
  };
}
