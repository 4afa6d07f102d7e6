// A conversation: its bounded history and per-session settings, plus the rules for changing them.
// Session state is plain data (it round-trips through JSON), so every store keeps copies, never
// shared objects: the in-memory store and Redis behave the same (issue 10).
import type { ChatMessage, SessionSettings } from '../../protocol/index.ts';
import { CONTEXT_RULES, enforceContextBudget, formatContextMessage, type StoredContext } from './context.ts';
import type { InFlightTurn } from './turns-in-flight.ts';

export const WELCOME_MESSAGE = 'Hello. How can I help you today?';

export interface HistoryEntry extends ChatMessage {
  /** False for a user message whose turn failed or was cancelled (see addUserMessage). */
  answered?: boolean;
  /** An assistant answer the user cut off by speaking: `content` is only what they heard (heard.ts). */
  interrupted?: boolean;
  /** An attachment that came with this question: quoted to the model right before it, on every later turn too. */
  context?: StoredContext;
}

/** How an interrupted answer is shown to the model; INTERRUPTED_NOTE in the system prompt explains it. */
export const INTERRUPTED_MARK = '[interrupted by the user]';
export const INTERRUPTED_NOTE =
  `An assistant message ending in ${INTERRUPTED_MARK} was cut off when the user started speaking: ` +
  'the user heard only the text before that mark, nothing after it.';

export interface SessionState {
  /** User and assistant messages only; the system prompt and welcome are added per request. */
  history: HistoryEntry[];
  settings: SessionSettings;
  /** Turns whose question is recorded and whose end is not (turns-in-flight.ts); absent when none. */
  inFlight?: InFlightTurn[];
}

export interface UpstreamMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

export function emptySessionState(): SessionState {
  return { history: [], settings: {} };
}

/** Keeps the newest `maxTurns` exchanges (two messages each). */
export function trimHistory(session: SessionState, maxTurns: number): void {
  const max = maxTurns * 2;
  if (session.history.length > max) session.history.splice(0, session.history.length - max);
}

/**
 * Adds the user's message once. A failed or cancelled turn leaves its question in history, marked
 * unanswered, so context survives (a spoken question cannot simply be re-sent); when the client
 * retries with the same text, that entry is moved rather than repeated, so the question is in
 * history exactly once.
 */
export function addUserMessage(
  session: SessionState,
  text: string,
  maxTurns: number,
  attached?: { context: StoredContext; maxTokens: number },
): HistoryEntry {
  const lastUser = session.history.findLastIndex((entry) => entry.role === 'user');
  const previous = session.history[lastUser];
  let context = attached?.context;
  if (previous !== undefined && previous.answered === false && previous.content === text) {
    session.history.splice(lastUser, 1);
    // A retry without re-attaching keeps the attachment the first try carried (it is in history once).
    context ??= previous.context;
  }
  const entry: HistoryEntry = context ? { role: 'user', content: text, answered: false, context } : { role: 'user', content: text, answered: false };
  session.history.push(entry);
  trimHistory(session, maxTurns);
  if (attached) enforceContextBudget(session.history, attached.maxTokens);
  return entry;
}

/**
 * Records a complete answer to `question` and marks the question answered. State is a copy loaded
 * again after the answer streamed, so the question is found by content: the newest unanswered entry
 * with that text (a concurrent turn of the same session may have added entries after it).
 * Failed or cancelled answers are never added (partial text is dropped).
 */
export function addAssistantMessage(session: SessionState, question: string, answer: string, maxTurns: number): void {
  const index = session.history.findLastIndex((entry) => entry.role === 'user' && entry.answered === false && entry.content === question);
  const entry = session.history[index];
  if (entry !== undefined) entry.answered = true;
  session.history.push({ role: 'assistant', content: answer });
  trimHistory(session, maxTurns);
}

/**
 * Resume after a relay restart: the client's transcript becomes the history, unless the relay still
 * holds this session, whose own history wins (it is what the model actually saw).
 */
export function seedHistory(session: SessionState, messages: readonly ChatMessage[], maxTurns: number): void {
  const start = messages[0]?.role === 'assistant' && messages[0].content === WELCOME_MESSAGE ? 1 : 0;
  session.history = messages.slice(start).map((m) => ({ role: m.role, content: m.content, answered: true }));
  trimHistory(session, maxTurns);
}

/** What the chat model sees: system prompt, the welcome as first assistant turn, then the history. */
export function buildChatMessages(session: SessionState, defaultSystemPrompt: string): UpstreamMessage[] {
  const prompt = session.settings.systemPrompt?.trim() ? session.settings.systemPrompt : defaultSystemPrompt;
  const hasContext = session.history.some((entry) => entry.context);
  const interrupted = session.history.some((entry) => entry.interrupted === true);
  // Each note is added only when needed, so custom prompts and plain conversations are sent as before.
  const system = [prompt, ...(hasContext ? [CONTEXT_RULES] : []), ...(interrupted ? [INTERRUPTED_NOTE] : [])].join('\n\n');
  const messages: UpstreamMessage[] = [
    { role: 'system', content: system },
    { role: 'assistant', content: WELCOME_MESSAGE },
  ];
  for (const entry of session.history) {
    if (entry.context) messages.push({ role: 'user', content: formatContextMessage(entry.context) });
    messages.push({ role: entry.role, content: entry.interrupted ? withMark(entry.content) : entry.content });
  }
  return messages;
}

const withMark = (heard: string): string => (heard === '' ? INTERRUPTED_MARK : `${heard} ${INTERRUPTED_MARK}`);
