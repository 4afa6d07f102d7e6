import { ErrorCode, type ServerMessageOf, type ServerMessageType } from '../../protocol/index.ts';
import type { ChatEntry, MicErrorCode } from '../messages.ts';
import { bytesToBase64 } from './base64.ts';
import type { Attachments } from './attachments.ts';
import type { ChatPorts } from './chat-ports.ts';
import type { ConversationStore } from './conversation-store.ts';
import type { RelayClient } from './relay-client.ts';

/**
 * Turns and the tab each belongs to.
 *
 * Queue policy (issue 4 leaves it open; the chat UI agrees): a tab has at most one
 * turn in flight. A message sent while that tab's answer streams is stored as
 * 'pending' and sent when the answer ends, errors or is cancelled. Messages
 * typed while the relay is down are 'pending' too and go out after
 * reconnect + Resume. A pending message whose tab closed is adopted by another
 * open tab (the conversation is shared), or waits for the next tab to open.
 *
 * Frames of a turn go only to its tab's port; conversation updates go to all.
 */
export interface TurnsOptions {
  store: ConversationStore;
  relay: Pick<RelayClient, 'send' | 'isReady' | 'ensureConnected'>;
  ports: Pick<ChatPorts, 'post' | 'has' | 'tabIds'>;
  nextTurnId: () => number;
  /** A voice turn failed before its transcript existed: only the recording UI can show it. */
  onVoiceFailed: (tabId: number, error: { code: MicErrorCode; message: string }) => void;
  newId?: () => string;
  now?: () => number;
  speechMimeType?: string;
  /**
   * Conversation mode plays a turn's speech in the voice engine, not the panel: true when it took
   * the audio (the panel then gets the sentence without audio and types it on its own).
   */
  takeSpeech?: (turnId: number, index: number, audio: Uint8Array, entryId: string, sentence: string) => boolean;
  /** A turn ended (TextEnd, error, cancel): conversation mode listens again once its audio played. */
  onTurnEnded?: (turnId: number) => void;
  /** Page or selection attachments (issue 12): sent as AttachContext right before their message. */
  attachments?: Pick<Attachments, 'bindToEntry' | 'forEntry' | 'release' | 'clear'>;
}

interface Turn {
  turnId: number;
  tabId: number;
  kind: 'text' | 'voice';
  userEntryId?: string;
  assistantEntryId?: string;
  /** Voice turn sent with an attachment: shown on the user entry its transcript creates. */
  attachment?: ChatEntry['attachment'];
  /** The tab shows a live transcript for this turn (TranscriptPartial) that must be cleared. */
  live?: boolean;
}

export interface Turns {
  submitText(tabId: number, text: string): void;
  retry(tabId: number, entryId: string): void;
  /** Stop generating: cancels the tab's turn in flight (queued messages still go out). */
  cancelTab(tabId: number): void;
  /** The recorder finished and AudioEnd went out: the turn waits for its transcript. */
  beginVoiceTurn(tabId: number, turnId: number, attachment?: ChatEntry['attachment']): void;
  handleServerMessage(message: ServerMessageOf<ServerMessageType>): void;
  /** The socket closed: every turn in flight on it is gone. */
  handleConnectionLost(): void;
  /** Resume was answered: send what is pending. */
  pump(): void;
  /** Retrying stopped (unauthorized / misconfigured): pending messages get an error with Retry. */
  handleGaveUp(detail: string): void;
  /** Entries left 'streaming' by a worker that was stopped mid-answer. */
  recoverInterrupted(): void;
  newChat(): void;
  inFlight(tabId: number): number | undefined;
  /** Barge-in: the Interrupt frame went out; the answer ends here, kept as far as it streamed. */
  interrupted(turnId: number): void;
}

const CONNECTION_LOST = {
  code: 'CONNECTION_LOST',
  message: 'The connection to the relay was lost before the answer finished.',
  retryable: true,
};

export function createTurns(options: TurnsOptions): Turns {
  const { store, relay, ports } = options;
  const newId = options.newId ?? (() => crypto.randomUUID());
  const now = options.now ?? Date.now;
  const turns = new Map<number, Turn>();
  /** Pending user entry → the tab whose port gets its answer. */
  const owners = new Map<string, number>();

  const busyTabs = () => new Set([...turns.values()].map((turn) => turn.tabId));

  function addAnswer(afterId: string): string {
    const answer: ChatEntry = { id: newId(), role: 'assistant', content: '', status: 'streaming', createdAt: now() };
    store.add(answer, afterId);
    return answer.id;
  }

  /** Ends a turn's entries: the answer keeps partial text (with `answerStatus`) or goes if empty. */
  function settle(turn: Turn, answerStatus: ChatEntry['status'], userError?: ChatEntry['error']) {
    turns.delete(turn.turnId);
    clearLive(turn);
    options.onTurnEnded?.(turn.turnId);
    if (turn.assistantEntryId) {
      const answer = store.get(turn.assistantEntryId);
      if (answer && answer.content === '' && answerStatus !== 'done') store.remove(answer.id);
      else if (answer) store.update(answer.id, { status: answerStatus });
    }
    if (turn.userEntryId && userError) store.update(turn.userEntryId, { status: 'error', error: userError });
    if (!turn.userEntryId && userError && turn.kind === 'voice') {
      options.onVoiceFailed(turn.tabId, { code: 'FAILED', message: userError.message });
    }
  }

  /** The live transcript goes before the message replacing it is added, so the words never show twice. */
  function clearLive(turn: Turn) {
    if (!turn.live) return;
    turn.live = false;
    ports.post(turn.tabId, { type: 'liveTranscript', text: null });
  }

  function pump() {
    const pending = store.snapshot().entries.filter((entry) => entry.role === 'user' && entry.status === 'pending');
    if (pending.length === 0) return;
    if (!relay.isReady()) return relay.ensureConnected();
    const busy = busyTabs();
    for (const entry of pending) {
      let tabId = owners.get(entry.id);
      if (tabId === undefined || !ports.has(tabId)) {
        const open = ports.tabIds();
        tabId = open.find((candidate) => !busy.has(candidate)) ?? open[0];
        if (tabId === undefined) return; // no tab to show the answer: wait for one
        owners.set(entry.id, tabId);
      }
      if (busy.has(tabId)) continue;
      const turnId = options.nextTurnId();
      // The attachment goes first, with the same turn id: the relay quotes it before this question.
      const attachment = options.attachments?.forEntry(entry.id);
      if (attachment && !relay.send({ type: 'attachContext', turnId, attachment })) return relay.ensureConnected();
      if (!relay.send({ type: 'userText', turnId, text: entry.content })) return relay.ensureConnected();
      owners.delete(entry.id);
      busy.add(tabId);
      store.update(entry.id, { status: 'done', error: undefined });
      turns.set(turnId, { turnId, tabId, kind: 'text', userEntryId: entry.id, assistantEntryId: addAnswer(entry.id) });
    }
  }

  const handlers: { [K in ServerMessageType]: (message: ServerMessageOf<K>, turn: Turn | undefined) => void } = {
    ok: () => undefined, // consumed by the relay client's handshake
    pong: () => undefined, // consumed by the heartbeat
    // TODO [2026-12-15]: show the relay's receipt (truncation) on the attachment chip once the panel sends attachments (issue 12).
    contextInfo: () => undefined,
    // Not stored: only the final transcript becomes a message (and enters the relay's history).
    transcriptPartial(message, turn) {
      if (!turn || turn.kind !== 'voice' || turn.userEntryId) return;
      turn.live = true;
      ports.post(turn.tabId, { type: 'liveTranscript', text: message.text });
    },
    transcript(message, turn) {
      if (!turn || turn.kind !== 'voice' || turn.userEntryId) return;
      clearLive(turn);
      const user: ChatEntry = {
        id: newId(),
        role: 'user',
        content: message.text,
        status: 'done',
        voice: true,
        createdAt: now(),
        ...(turn.attachment ? { attachment: turn.attachment } : {}),
      };
      store.add(user);
      turn.userEntryId = user.id;
      turn.assistantEntryId = addAnswer(user.id);
    },
    textChunk(message, turn) {
      if (!turn?.assistantEntryId) return;
      store.appendText(turn.assistantEntryId, message.text);
      ports.post(turn.tabId, { type: 'textChunk', entryId: turn.assistantEntryId, text: message.text });
    },
    speechAudio(message, turn) {
      if (!turn?.assistantEntryId) return;
      const taken = options.takeSpeech?.(turn.turnId, message.index, message.audio, turn.assistantEntryId, message.sentence) ?? false;
      ports.post(turn.tabId, {
        type: 'speech',
        entryId: turn.assistantEntryId,
        index: message.index,
        sentence: message.sentence,
        audioBase64: taken ? '' : bytesToBase64(message.audio),
        mimeType: options.speechMimeType ?? 'audio/mpeg',
      });
    },
    textEnd(_message, turn) {
      if (!turn) return;
      // Answered: the relay holds the attachment in its history, later turns refer to it.
      if (turn.userEntryId) options.attachments?.release(turn.userEntryId);
      settle(turn, 'done');
      pump();
    },
    error(message, turn) {
      if (!turn) {
        if (message.turnId !== 0) return; // a turn we cancelled or forgot: nothing shows it
        console.warn(`[parley] relay error: ${message.error.code} ${message.error.message}`);
        return;
      }
      if (message.error.code === ErrorCode.Cancelled) settle(turn, 'cancelled');
      else settle(turn, 'error', { code: message.error.code, message: message.error.message, retryable: message.error.retryable });
      pump();
    },
  };

  return {
    submitText(tabId, text) {
      const content = text.trim();
      if (content === '') return;
      const id = newId();
      const preview = options.attachments?.bindToEntry(tabId, id);
      const entry: ChatEntry = {
        id,
        role: 'user',
        content,
        status: 'pending',
        createdAt: now(),
        ...(preview ? { attachment: { kind: preview.kind, title: preview.title, chars: preview.chars, truncated: preview.truncated } } : {}),
      };
      store.add(entry);
      owners.set(entry.id, tabId);
      pump();
    },
    retry(tabId, entryId) {
      const entry = store.get(entryId);
      if (!entry || entry.role !== 'user' || (entry.status !== 'error' && entry.status !== 'cancelled')) return;
      const stale = store.next(entryId);
      if (stale?.role === 'assistant' && stale.status !== 'done') store.remove(stale.id);
      store.update(entryId, { status: 'pending', error: undefined });
      owners.set(entryId, tabId);
      pump();
    },
    cancelTab(tabId) {
      for (const turn of [...turns.values()]) {
        if (turn.tabId !== tabId) continue;
        relay.send({ type: 'cancel', turnId: turn.turnId });
        settle(turn, 'cancelled');
      }
      pump();
    },
    beginVoiceTurn(tabId, turnId, attachment) {
      turns.set(turnId, { turnId, tabId, kind: 'voice', ...(attachment ? { attachment } : {}) });
    },
    handleServerMessage(message) {
      const turn = 'turnId' in message ? turns.get(message.turnId) : undefined;
      (handlers[message.type] as (m: typeof message, t: Turn | undefined) => void)(message, turn);
    },
    handleConnectionLost() {
      for (const turn of [...turns.values()]) {
        settle(turn, 'error', turn.userEntryId || turn.kind === 'voice' ? {
          ...CONNECTION_LOST,
          message: turn.userEntryId ? CONNECTION_LOST.message : 'The connection to the relay was lost before your voice message was transcribed. Please record it again.',
        } : undefined);
      }
    },
    pump,
    handleGaveUp(detail) {
      for (const entry of store.snapshot().entries) {
        if (entry.role === 'user' && entry.status === 'pending') {
          store.update(entry.id, { status: 'error', error: { code: 'NOT_CONNECTED', message: detail, retryable: true } });
        }
      }
    },
    recoverInterrupted() {
      const entries = store.snapshot().entries;
      entries.forEach((entry, index) => {
        if (entry.role !== 'assistant' || entry.status !== 'streaming') return;
        const question = entries[index - 1];
        settle(
          { turnId: 0, tabId: -1, kind: 'text', assistantEntryId: entry.id, userEntryId: question?.role === 'user' ? question.id : undefined },
          'error',
          { ...CONNECTION_LOST, message: 'The answer was interrupted when the browser stopped Parley in the background.' },
        );
      });
    },
    newChat() {
      for (const turn of turns.values()) {
        relay.send({ type: 'cancel', turnId: turn.turnId });
        clearLive(turn);
      }
      turns.clear();
      owners.clear();
      options.attachments?.clear();
      store.reset();
    },
    interrupted(turnId) {
      const turn = turns.get(turnId);
      if (turn) settle(turn, 'cancelled');
    },
    inFlight(tabId) {
      return [...turns.values()].find((turn) => turn.tabId === tabId)?.turnId;
    },
  };
}
