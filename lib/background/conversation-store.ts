import { storage } from 'wxt/utils/storage';
import { ProtocolLimits, type ChatMessage } from '../../protocol/index.ts';
import type { ChatEntry, Conversation } from '../messages.ts';

/**
 * The single conversation, persisted in storage.local so it survives navigation,
 * reloads and the MV3 worker being stopped (module state is lost then; the store
 * reloads lazily on the next event).
 *
 * Structural changes (an entry added, removed or changing status) are written at
 * once; streamed assistant text is written at most every `textFlushMs`, so a
 * worker stopped mid-answer loses at most that moment of text.
 */
export interface ConversationStoreOptions {
  maxEntries?: number;
  maxChars?: number;
  textFlushMs?: number;
  newId?: () => string;
  onChange?: (conversation: Conversation) => void;
  log?: (message: string, error?: unknown) => void;
}

export const conversationItem = storage.defineItem<Conversation | null>('local:conversation', { fallback: null });

export interface ConversationStore {
  /** Loads once (lazily, after a worker restart); every other method needs it resolved. */
  ready(): Promise<void>;
  snapshot(): Conversation;
  get(id: string): ChatEntry | undefined;
  /** Inserts after `afterId` when given (an answer right below its question), else appends. */
  add(entry: ChatEntry, afterId?: string): void;
  update(id: string, patch: Partial<Omit<ChatEntry, 'id'>>): void;
  appendText(id: string, text: string): void;
  remove(id: string): void;
  /** Starts a fresh conversation with a new relay session id. */
  reset(): Conversation;
  /** The finished exchange, bounded for the Resume frame. */
  resumeMessages(): ChatMessage[];
  /** Entries after `id`, in order (used to find a question's answer). */
  next(id: string): ChatEntry | undefined;
  flush(): Promise<void>;
}

export function createConversationStore(options: ConversationStoreOptions = {}): ConversationStore {
  const maxEntries = options.maxEntries ?? 200;
  const maxChars = options.maxChars ?? 200_000;
  const textFlushMs = options.textFlushMs ?? 750;
  const newId = options.newId ?? (() => crypto.randomUUID());
  const log = options.log ?? ((message: string, error?: unknown) => console.warn(`[parley] ${message}`, error ?? ''));

  let conversation: Conversation = { clientId: newId(), entries: [] };
  let loading: Promise<void> | undefined;
  let textTimer: ReturnType<typeof setTimeout> | undefined;
  let writing: Promise<void> = Promise.resolve();

  function enforceBounds() {
    const entries = conversation.entries;
    if (entries.length > maxEntries) entries.splice(0, entries.length - maxEntries);
    let chars = entries.reduce((sum, entry) => sum + entry.content.length, 0);
    while (chars > maxChars && entries.length > 1) chars -= entries.shift()?.content.length ?? 0;
  }

  function write(): Promise<void> {
    if (textTimer !== undefined) clearTimeout(textTimer);
    textTimer = undefined;
    enforceBounds();
    const copy = structuredClone(conversation);
    // Writes are chained so an older snapshot never lands after a newer one.
    writing = writing.then(() =>
      conversationItem.setValue(copy).catch((error: unknown) => {
        // Storage full or unavailable: the in-memory conversation still works; the next write retries.
        log('cannot save the conversation', error);
      }),
    );
    return writing;
  }

  function changed() {
    void write();
    options.onChange?.(structuredClone(conversation));
  }

  const indexOf = (id: string) => conversation.entries.findIndex((entry) => entry.id === id);

  return {
    ready() {
      loading ??= conversationItem.getValue().then(
        (stored) => {
          if (stored && typeof stored.clientId === 'string' && Array.isArray(stored.entries)) conversation = stored;
        },
        (error: unknown) => log('cannot read the saved conversation; starting a new one', error),
      );
      return loading;
    },
    snapshot: () => structuredClone(conversation),
    get: (id) => conversation.entries.find((entry) => entry.id === id),
    next(id) {
      const index = indexOf(id);
      return index < 0 ? undefined : conversation.entries[index + 1];
    },
    add(entry, afterId) {
      const index = afterId === undefined ? -1 : indexOf(afterId);
      if (index < 0) conversation.entries.push(entry);
      else conversation.entries.splice(index + 1, 0, entry);
      changed();
    },
    update(id, patch) {
      const index = indexOf(id);
      const entry = conversation.entries[index];
      if (!entry) return;
      const next: ChatEntry = { ...entry, ...patch };
      // `error: undefined` in a patch means "clear it"; keep stored entries free of undefined keys.
      if (next.error === undefined) delete next.error;
      conversation.entries[index] = next;
      changed();
    },
    appendText(id, text) {
      const entry = conversation.entries.find((candidate) => candidate.id === id);
      if (!entry) return;
      entry.content += text;
      textTimer ??= setTimeout(() => void write(), textFlushMs);
    },
    remove(id) {
      const index = indexOf(id);
      if (index < 0) return;
      conversation.entries.splice(index, 1);
      changed();
    },
    reset() {
      conversation = { clientId: newId(), entries: [] };
      changed();
      return structuredClone(conversation);
    },
    resumeMessages() {
      const done = conversation.entries.filter((entry) => entry.status === 'done' && entry.content !== '');
      return done.slice(-ProtocolLimits.maxResumeMessages).map((entry) => ({
        role: entry.role,
        // Keep the end of an over-long message: it is the part the next answer builds on.
        content: withAttachmentNote(entry).slice(-ProtocolLimits.maxResumeMessageChars),
      }));
    },
    flush: () => write(),
  };
}

const TITLE_CHARS = 200;

/**
 * An attachment's text is never stored (docs/page-context.md), so a Resume after the relay lost the
 * session cannot carry it. The question says so instead, so the model neither pretends to see the
 * page nor is left wondering what "this article" was; attaching the page again restores it.
 */
function withAttachmentNote(entry: ChatEntry): string {
  const attached = entry.role === 'user' ? entry.attachment : undefined;
  if (!attached) return entry.content;
  const source = attached.kind === 'page' ? 'the web page' : 'a selection from the web page';
  const title = JSON.stringify(attached.title.replace(/\s+/g, ' ').slice(0, TITLE_CHARS) || 'untitled');
  return `[With this message the user had attached text from ${source} ${title}; it was not kept after a reconnect, so it is not available now.]\n${entry.content}`;
}
