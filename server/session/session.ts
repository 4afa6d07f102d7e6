// A conversation: its bounded history and per-session settings, plus the rules for changing them.
import type { ChatMessage, SessionSettings } from '../../protocol/index.ts';
import { hashSessionId } from '../log.ts';
import { CONTEXT_RULES, enforceContextBudget, formatContextMessage, type StoredContext } from './context.ts';

export const WELCOME_MESSAGE = 'Hello. How can I help you today?';

export interface HistoryEntry extends ChatMessage {
  /** False for a user message whose turn failed or was cancelled (see addUserMessage). */
  answered?: boolean;
  /** An attachment that came with this question: quoted to the model right before it, on every later turn too. */
  context?: StoredContext;
}

export interface Session {
  readonly id: string;
  /** Logged instead of the id. */
  readonly hash: string;
  /** User and assistant messages only; the system prompt and welcome are added per request. */
  history: HistoryEntry[];
  settings: SessionSettings;
  lastActiveAt: number;
}

export interface UpstreamMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

export function createSession(id: string, now = Date.now()): Session {
  return { id, hash: hashSessionId(id), history: [], settings: {}, lastActiveAt: now };
}

/** Keeps the newest `maxTurns` exchanges (two messages each). */
export function trimHistory(session: Session, maxTurns: number): void {
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
  session: Session,
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

/** Records a complete answer. Failed or cancelled answers are never added (partial text is dropped). */
export function addAssistantMessage(session: Session, question: HistoryEntry, answer: string, maxTurns: number): void {
  question.answered = true;
  session.history.push({ role: 'assistant', content: answer });
  trimHistory(session, maxTurns);
}

/**
 * Resume after a relay restart: the client's transcript becomes the history, unless the relay still
 * holds this session, whose own history wins (it is what the model actually saw).
 */
export function seedHistory(session: Session, messages: readonly ChatMessage[], maxTurns: number): void {
  const start = messages[0]?.role === 'assistant' && messages[0].content === WELCOME_MESSAGE ? 1 : 0;
  session.history = messages.slice(start).map((m) => ({ role: m.role, content: m.content, answered: true }));
  trimHistory(session, maxTurns);
}

/** What the chat model sees: system prompt, the welcome as first assistant turn, then the history. */
export function buildChatMessages(session: Session, defaultSystemPrompt: string): UpstreamMessage[] {
  const prompt = session.settings.systemPrompt?.trim() ? session.settings.systemPrompt : defaultSystemPrompt;
  const hasContext = session.history.some((entry) => entry.context);
  const messages: UpstreamMessage[] = [
    { role: 'system', content: hasContext ? `${prompt}\n\n${CONTEXT_RULES}` : prompt },
    { role: 'assistant', content: WELCOME_MESSAGE },
  ];
  for (const entry of session.history) {
    if (entry.context) messages.push({ role: 'user', content: formatContextMessage(entry.context) });
    messages.push({ role: entry.role, content: entry.content });
  }
  return messages;
}
