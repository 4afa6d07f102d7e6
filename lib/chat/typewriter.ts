import { scheduleSentence, sentenceDurationMs, toChars } from './typing-schedule.ts';

/**
 * The reveal timeline of one streaming reply. Text arrives in chunks; spoken
 * sentences claim the text they speak when their audio starts; anything else is
 * typed at 40 ms per character after the timeline catches up. Segments never
 * overlap: each starts when the previous one ends at the earliest, so text never
 * runs ahead of the voice. Pure: every method takes the current time.
 */

interface Segment {
  from: number;
  start: number;
  offsets: number[];
}

export class Typewriter {
  #chars: string[] = [];
  #segments: Segment[] = [];
  #scheduledTo = 0;
  #timelineEnd = 0;
  #revealed = false;

  constructor(readonly instant: boolean) {}

  get length(): number {
    return this.#chars.length;
  }

  /** The whole reply so far (it only grows while streaming). */
  setText(text: string): void {
    this.#chars = toChars(text);
  }

  /** A spoken sentence started playing at `startAt`; type the text up to its end over its audio. */
  speak(sentence: string, audioDurationMs: number, startAt: number): void {
    const from = this.#scheduledTo;
    const rest = this.#chars.slice(from).join('');
    const needle = sentence.trim();
    const found = needle === '' ? -1 : rest.indexOf(needle);
    // Not in the text yet (audio overtook its text chunk): claim as many characters as it has.
    const segmentText = found >= 0 ? rest.slice(0, found + needle.length) : sentence;
    this.#add(from, segmentText, audioDurationMs, startAt);
  }

  /** Types everything not yet claimed at 40 ms per character, after whatever is scheduled. */
  typeRest(now: number): void {
    if (this.#scheduledTo >= this.#chars.length) return;
    this.#add(this.#scheduledTo, this.#chars.slice(this.#scheduledTo).join(''), null, now);
  }

  /** Clicking the reply: show all of it, now and for the rest of the turn. */
  revealAll(): void {
    this.#revealed = true;
  }

  visibleLength(now: number): number {
    if (this.instant || this.#revealed) return this.#chars.length;
    let visible = 0;
    for (const segment of this.#segments) {
      if (now < segment.start) break;
      let shown = 0;
      while (shown < segment.offsets.length && segment.start + (segment.offsets[shown] ?? 0) <= now) shown++;
      visible = segment.from + shown;
    }
    return Math.min(visible, this.#chars.length);
  }

  visibleText(now: number): string {
    return this.#chars.slice(0, this.visibleLength(now)).join('');
  }

  /** Everything known is visible and nothing more is scheduled. */
  isCaughtUp(now: number): boolean {
    return this.visibleLength(now) >= this.#chars.length && this.#scheduledTo >= this.#chars.length;
  }

  #add(from: number, text: string, audioDurationMs: number | null, startAt: number): void {
    const start = Math.max(startAt, this.#timelineEnd);
    const offsets = scheduleSentence(text, audioDurationMs, this.instant);
    if (offsets.length === 0) return;
    this.#segments.push({ from, start, offsets });
    this.#scheduledTo = from + offsets.length;
    this.#timelineEnd = start + sentenceDurationMs(text, audioDurationMs, this.instant);
  }
}
