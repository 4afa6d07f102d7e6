import type { BackgroundToContent, ContentToBackground } from '../messages.ts';
import type { ContextActions } from './context-actions.ts';
import type { ConversationStore } from './conversation-store.ts';
import type { RelayClient } from './relay-client.ts';
import type { Turns } from './turns.ts';
import type { Conversation } from './conversation.ts';
import type { Voice } from './voice.ts';
import type { SiteAccessWindows } from './site-access-window.ts';

type ContentMessageOf<K extends ContentToBackground['type']> = Extract<ContentToBackground, { type: K }>;
export type ContentHandlers = { [K in ContentToBackground['type']]: (tabId: number, message: ContentMessageOf<K>) => void | Promise<void> };

export interface ContentHandlerDeps {
  store: ConversationStore;
  relay: RelayClient;
  turns: Turns;
  voice: Voice;
  context: ContextActions;
  /** Firefox's in-page panel asks for a site in a small window (lib/background/site-access-window.ts). */
  siteAccess?: Pick<SiteAccessWindows, 'request'>;
  conversation?: Pick<Conversation, 'toggle'>;
  post: (tabId: number, message: BackgroundToContent) => void;
  /** Hides the in-page panel of a tab (its launcher owns the frame). */
  closePanel: (tabId: number) => void;
}

/** What each chat port message does: one named handler per message type. */
export function createContentHandlers({ store, relay, turns, voice, context, conversation, post, closePanel, siteAccess }: ContentHandlerDeps): ContentHandlers {
  return {
    hello(tabId) {
      // After a worker restart this is usually the first event: it reconnects on its own.
      relay.ensureConnected();
      post(tabId, { type: 'snapshot', conversation: store.snapshot(), status: relay.getStatus(), recording: voice.state(tabId) });
      const attached = context.pending(tabId);
      if (attached) post(tabId, { type: 'attachment', preview: attached });
      turns.pump();
    },
    send: (tabId, message) => turns.submitText(tabId, message.text),
    retry: (tabId, message) => turns.retry(tabId, message.entryId),
    cancel: (tabId) => turns.cancelTab(tabId),
    newChat(tabId) {
      voice.discard(tabId);
      turns.newChat();
      // The relay keys its history by client id: a fresh session starts with a fresh Resume.
      if (relay.getStatus().state !== 'idle') relay.restart();
    },
    startRecording: (tabId) => voice.start(tabId),
    stopRecording: (tabId) => voice.stop(tabId),
    discardRecording: (tabId) => voice.discard(tabId),
    toggleConversation: async (tabId) => {
      if (!conversation) return voice.failFor(tabId, { code: 'UNSUPPORTED', message: 'Conversation mode is not available here.' });
      await conversation.toggle(tabId);
    },
    reconnect: () => relay.restart(),
    // Side panels (negative ids) close themselves; only a tab has a launcher to tell.
    close: (tabId) => (tabId >= 0 ? closePanel(tabId) : undefined),
    attachPage: (tabId) => context.attach(tabId, 'page'),
    attachSelection: (tabId) => context.attach(tabId, 'selection'),
    removeAttachment: (tabId) => context.removeAttachment(tabId),
    readAloud: (tabId, message) => context.readAloud(tabId, message.text === undefined ? { kind: message.kind ?? 'page' } : { text: message.text }),
    stopReadAloud: (tabId) => context.stopReadAloud(tabId),
    requestSiteAccess: (tabId, message) => (siteAccess ? siteAccess.request(tabId, message.host) : post(tabId, { type: 'siteAccess', host: message.host, granted: false })),
  };
}

export function dispatchContentMessage(handlers: ContentHandlers, tabId: number, message: ContentToBackground): void | Promise<void> {
  return (handlers[message.type] as (tabId: number, message: ContentToBackground) => void | Promise<void>)(tabId, message);
}
