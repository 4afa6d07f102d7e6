// Barge-in (issue 11): when the user interrupts a spoken answer, history keeps only what they heard.
// The client reports a HeardPosition (sentence index + permille of it, by playback time); the relay
// knows which answer text each spoken sentence came from, so it can cut the answer there.
import type { HeardPosition } from '../../protocol/index.ts';
import type { HistoryEntry, SessionState } from './session.ts';
import { trimHistory } from './session.ts';

/** What a turn spoke, filled by the turn runner while it runs; kept a little after the turn ends. */
export interface SpokenTurn {
  /** False when the session does not speak answers: an interrupt is then a plain cancel. */
  speaking: boolean;
  /** Answer text behind each SpeechAudio index (markdown as written, not the cleaned speech). */
  sentences: string[];
  /** The user's message, once it is in history. */
  question?: string;
  /** The whole answer, once it is in history (a turn records it before its last audio is sent). */
  answer?: string;
}

export function createSpokenTurn(): SpokenTurn {
  return { speaking: false, sentences: [] };
}

/**
 * The answer text the user heard: sentences before `index` in full, then the first `permille` of
 * sentence `index` cut back to a word boundary (half a word was not understood, so it is dropped).
 */
export function heardText(sentences: readonly string[], heard: HeardPosition): string {
  const whole = sentences.slice(0, heard.index);
  const current = sentences[heard.index];
  let partial = '';
  if (current !== undefined && heard.permille > 0) {
    const chars = Array.from(current);
    const at = heard.permille >= 1000 ? chars.length : Math.floor((chars.length * heard.permille) / 1000);
    const cut = chars.slice(0, at).join('');
    const next = chars[at];
    // Keep whole words only: up to the last whitespace unless the cut fell exactly on a word end.
    partial = next === undefined || /\s/u.test(next) ? cut : cut.replace(/\S*$/u, '');
  }
  return [...whole, partial.trim()].filter((part) => part !== '').join(' ');
}

/**
 * Records an interruption in session state (plain data loaded from the store, so entries are found
 * by content, newest first): the answer becomes only what was heard, marked interrupted. Works
 * whether the turn had finished (its answer is in history, whole) or was still running (its question
 * is in history, unanswered). Returns false when there is nothing to record.
 */
export function recordInterruption(state: SessionState, spoken: SpokenTurn, heard: HeardPosition, maxTurns: number): boolean {
  if (!spoken.speaking || spoken.question === undefined) return false;
  const content = heardText(spoken.sentences, heard);
  const { history } = state;
  if (spoken.answer !== undefined) {
    const index = history.findLastIndex(
      (entry, i) => entry.role === 'assistant' && entry.content === spoken.answer && !entry.interrupted && history[i - 1]?.content === spoken.question,
    );
    const entry = history[index];
    // Trimmed away meanwhile: nothing left to correct.
    if (entry === undefined) return false;
    entry.content = content;
    entry.interrupted = true;
    return true;
  }
  const index = history.findLastIndex((entry) => entry.role === 'user' && entry.answered === false && entry.content === spoken.question);
  const question = history[index];
  if (question === undefined) return false;
  question.answered = true;
  const answer: HistoryEntry = { role: 'assistant', content, interrupted: true };
  history.splice(index + 1, 0, answer);
  trimHistory(state, maxTurns);
  return true;
}
