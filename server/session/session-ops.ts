// Every change a connection or a turn makes to a session, each one store.update (load → mutate →
// save), so no caller holds a session object between steps and a shared store sees every change.
import type { ChatMessage, SessionSettings } from '../../protocol/index.ts';
import type { HeardPosition } from '../../protocol/index.ts';
import { recordInterruption, type SpokenTurn } from './heard.ts';
import { addAssistantMessage, addUserMessage, buildChatMessages, seedHistory, type UpstreamMessage } from './session.ts';
import type { StoredContext } from './context.ts';
import type { SessionKey, SessionStore } from './session-store.ts';
import { addMarker, removeMarker, type InFlightTurn } from './turns-in-flight.ts';

export interface SessionSummary {
  existed: boolean;
  historyLength: number;
  /** Turns in flight as of this write (turns-in-flight.ts): a reconnect checks them without another read. */
  inFlight: InFlightTurn[];
}

const hasSettings = (settings: SessionSettings) => Object.keys(settings).length > 0;

/** SetClientID: the session, created when absent, with settings sent before it applied. */
export async function openSession(store: SessionStore, key: SessionKey, pending: SessionSettings): Promise<SessionSummary> {
  const { existed, state } = await store.update(key, (s) => {
    if (hasSettings(pending)) s.settings = { ...s.settings, ...pending };
  });
  return { existed, historyLength: state.history.length, inFlight: state.inFlight ?? [] };
}

/**
 * Resume: the relay's own history wins (it is exactly what the model saw); the client's transcript
 * only fills a gap, e.g. after every instance restarted with an in-memory store.
 */
export async function resumeSession(
  store: SessionStore,
  key: SessionKey,
  messages: readonly ChatMessage[],
  pending: SessionSettings,
  maxTurns: number,
): Promise<SessionSummary> {
  const { existed, state } = await store.update(key, (s, found) => {
    if (!found) seedHistory(s, messages, maxTurns);
    if (hasSettings(pending)) s.settings = { ...s.settings, ...pending };
  });
  return { existed, historyLength: state.history.length, inFlight: state.inFlight ?? [] };
}

export async function changeSettings(store: SessionStore, key: SessionKey, settings: SessionSettings): Promise<void> {
  await store.update(key, (s) => {
    s.settings = { ...s.settings, ...settings };
  });
}

/**
 * Adds the question (once, see addUserMessage) and returns what the chat model sees, with the
 * session's settings as of this write (a text turn reads them here rather than in a load of its own:
 * every read parses the whole session, history included).
 */
export async function recordQuestion(
  store: SessionStore,
  key: SessionKey,
  text: string,
  options: { maxTurns: number; systemPrompt: string },
  attached?: { context: StoredContext; maxTokens: number },
  marker?: InFlightTurn,
): Promise<{ messages: UpstreamMessage[]; settings: SessionSettings }> {
  const { value, state } = await store.update(key, (s) => {
    addUserMessage(s, text, options.maxTurns, attached);
    // In the same write as the question: a session never holds a question its marker does not cover.
    if (marker) addMarker(s, marker);
    return buildChatMessages(s, options.systemPrompt);
  });
  return { messages: value, settings: state.settings };
}

export async function recordAnswer(store: SessionStore, key: SessionKey, question: string, answer: string, maxTurns: number, markerId?: string): Promise<void> {
  await store.update(key, (s) => {
    addAssistantMessage(s, question, answer, maxTurns);
    if (markerId !== undefined) removeMarker(s, markerId);
  });
}

/** A turn that ended without an answer (failed, cancelled, disconnected, shut down) is no longer in flight. */
export async function clearInFlight(store: SessionStore, key: SessionKey, markerId: string): Promise<void> {
  await store.update(key, (s) => void removeMarker(s, markerId));
}

/** The session's in-flight markers (read when a client (re)connects). */
export async function inFlightMarkers(store: SessionStore, key: SessionKey): Promise<InFlightTurn[]> {
  return (await store.load(key))?.inFlight ?? [];
}

/**
 * Removes these markers in one write and returns those that were still there: when two connections
 * of the session find the same lost turn, only one of them reports it.
 */
export async function takeMarkers(store: SessionStore, key: SessionKey, lost: readonly InFlightTurn[]): Promise<InFlightTurn[]> {
  if (lost.length === 0) return [];
  const { value } = await store.update(key, (s) => lost.filter((marker) => removeMarker(s, marker.id)));
  return value;
}

/** Barge-in: the interrupted answer becomes what the user heard of it (heard.ts). */
export async function recordHeard(store: SessionStore, key: SessionKey, spoken: SpokenTurn, heard: HeardPosition, maxTurns: number): Promise<void> {
  if (!spoken.speaking) return;
  await store.update(key, (s) => recordInterruption(s, spoken, heard, maxTurns));
}
