// Barge-in (issue 11): when the user interrupts a spoken answer, history keeps only what they heard.
// The client reports a HeardPosition (sentence index + permille of it, by playback time); the relay
// knows which answer text each spoken sentence came from, so it can cut the answer there.
import type { HeardPosition } from '../../protocol/index.ts';
import type { HistoryEntry, Session } from './session.ts';
import { trimHistory } from './session.ts';

/** What a turn spoke, filled by the turn runner while it runs; kept a little after the turn ends. */
export interface SpokenTurn {
  /** Answer text behind each SpeechAudio index (markdown as written, not the cleaned speech). */
  sentences: string[];
  /** The user's message of the turn, once it is in history. */
  question?: HistoryEntry;
  /** The assistant's answer, once it is in history (a turn adds it before its last audio is sent). */
  answer?: HistoryEntry;
}

export function createSpokenTurn(): SpokenTurn {
  return { sentences: [] };
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
    if (heard.permille >= 1000) partial = current;
    else {
      const cut = chars.slice(0, Math.floor((chars.length * heard.permille) / 1000)).join('');
      // Keep whole words only: up to the last whitespace unless the cut fell exactly on a word end.
      const next = chars[Math.floor((chars.length * heard.permille) / 1000)];
      partial = next === undefined || /\s/u.test(next) ? cut : cut.replace(/\S*$/u, '');
    }
  }
  return [...whole, partial.trim()].filter((part) => part !== '').join(' ');
}

/**
 * Records an interruption in history: the answer becomes only what was heard, marked interrupted.
 * Works whether the turn had finished (its answer is in history, full) or was still running (the
 * question is in history, unanswered). Returns false when there is nothing to record.
 */
export function recordInterruption(session: Session, spoken: SpokenTurn, heard: HeardPosition, maxTurns: number): boolean {
  const content = heardText(spoken.sentences, heard);
  if (spoken.answer) {
    // Trimming may already have dropped it; editing a detached entry is harmless.
    spoken.answer.content = content;
    spoken.answer.interrupted = true;
    return true;
  }
  const question = spoken.question;
  if (!question || !session.history.includes(question)) return false;
  question.answered = true;
  const answer: HistoryEntry = { role: 'assistant', content, interrupted: true };
  session.history.splice(session.history.indexOf(question) + 1, 0, answer);
  spoken.answer = answer;
  trimHistory(session, maxTurns);
  return true;
}
