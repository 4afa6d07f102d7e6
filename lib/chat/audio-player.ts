/**
 * Spoken answers, played in the content script with Web Audio: decoding an
 * ArrayBuffer loads no URL, so a strict page CSP (media-src) cannot block it.
 * Sentences play back to back without gaps, in the order they were added, even
 * though decoding finishes out of order. Browsers only let audio start after a
 * user gesture, so `unlock()` is called from the send / Enter / mic handlers.
 */
import { decodeIntoSlot, type DecodeSlot } from '../audio/decode-into-slot.ts';

export interface SentenceAudio {
  entryId: string;
  sentence: string;
  /** Encoded audio (mp3); decoding is the player's job. */
  data: ArrayBuffer;
}

export interface AudioPlayerEvents {
  /** The sentence is audible from now for `durationMs`. */
  onSentenceStart(item: SentenceAudio, durationMs: number): void;
  /** The sentence will never play (decode failed, no audio, stopped). */
  onSentenceDropped(item: SentenceAudio): void;
  /** Playing went from idle to busy or back. */
  onSpeakingChange(speaking: boolean): void;
}

export interface AudioPlayer {
  /** Creates/resumes the AudioContext; call inside a user gesture. False when there is no Web Audio. */
  unlock(): boolean;
  /** True when audio can actually be heard in this tab. */
  canPlay(): boolean;
  enqueue(item: SentenceAudio): void;
  /** Stops what plays and drops everything queued. */
  stop(): void;
  /** Holds playback where it is (read-aloud's pause); `resume` continues from there. */
  pause(): void;
  resume(): void;
  dispose(): void;
}

interface Slot {
  item: SentenceAudio;
  /** undefined while decoding, null when it failed. */
  buffer: DecodeSlot['buffer'];
}

/** Small lead so back-to-back scheduling never starts in the past. */
const LEAD_S = 0.05;
/** How long sentences are queued for a context that unlock() is still starting. */
const RESUME_GRACE_MS = 3000;

export function createAudioPlayer(events: AudioPlayerEvents, createContext: () => AudioContext = () => new AudioContext()): AudioPlayer {
  let context: AudioContext | undefined;
  let queue: Slot[] = [];
  let generation = 0;
  let playheadS = 0;
  const sources = new Set<AudioBufferSourceNode>();
  const timers = new Set<ReturnType<typeof setTimeout>>();
  /** Sentence starts not announced yet, by their timer: paused ones are re-timed on resume. */
  const announcements = new Map<ReturnType<typeof setTimeout> | 'held', Array<{ item: SentenceAudio; startS: number; durationMs: number }>>();
  let paused = false;
  /**
   * unlock() asked the context to run and it has not answered yet. Firefox starts a context
   * 'suspended' and runs it once its output is open, which took over a second in headless Firefox:
   * a read-aloud's first sentences arrived meanwhile and were dropped. Queued now, they play once it
   * runs. Bounded, so a context the browser never lets run (no gesture) does not hold answers forever.
   */
  let resumePending = false;
  let resumeTimer: ReturnType<typeof setTimeout> | undefined;
  let speaking = false;
  let unavailableLogged = false;

  function setSpeaking(value: boolean) {
    if (speaking === value) return;
    speaking = value;
    events.onSpeakingChange(value);
  }

  function pump() {
    if (!context) return;
    while (queue[0] && queue[0].buffer !== undefined) {
      const slot = queue.shift();
      if (!slot) break;
      const buffer = slot.buffer;
      if (!buffer) {
        events.onSentenceDropped(slot.item);
        continue;
      }
      const startS = Math.max(context.currentTime + LEAD_S, playheadS);
      const source = context.createBufferSource();
      source.buffer = buffer;
      source.connect(context.destination);
      source.start(startS);
      playheadS = startS + buffer.duration;
      sources.add(source);
      setSpeaking(true);
      source.onended = () => {
        sources.delete(source);
        if (sources.size === 0 && queue.length === 0) setSpeaking(false);
      };
      announce({ item: slot.item, startS, durationMs: buffer.duration * 1000 });
    }
  }

  /** Tells the listener when a sentence becomes audible: on the context's clock, which a pause freezes. */
  function announce(start: { item: SentenceAudio; startS: number; durationMs: number }) {
    if (!context || paused) {
      const held = announcements.get('held') ?? [];
      held.push(start);
      announcements.set('held', held);
      return;
    }
    const timer = setTimeout(() => {
      timers.delete(timer);
      announcements.delete(timer);
      events.onSentenceStart(start.item, start.durationMs);
    }, Math.max(0, (start.startS - context.currentTime) * 1000));
    timers.add(timer);
    announcements.set(timer, [start]);
  }

  return {
    unlock() {
      try {
        context ??= createContext();
        // Resolves only once a gesture allowed it; canPlay() reads the state.
        if (context.state !== 'running' && !resumePending) {
          resumePending = true;
          const settle = () => {
            resumePending = false;
            clearTimeout(resumeTimer);
          };
          resumeTimer = setTimeout(settle, RESUME_GRACE_MS);
          context.resume().then(settle, settle);
        }
        return true;
      } catch (error) {
        // No Web Audio here (or refused): replies are typed without sound.
        if (!unavailableLogged) console.warn('[parley] audio unavailable', error);
        unavailableLogged = true;
        return false;
      }
    },
    // A paused reading (suspended by pause()) keeps receiving sentences; they wait in the queue.
    canPlay: () => context !== undefined && (context.state === 'running' || paused || resumePending),
    enqueue(item) {
      if (!context || !(context.state === 'running' || paused || resumePending)) {
        events.onSentenceDropped(item);
        return;
      }
      const slot: Slot = { item, buffer: undefined };
      queue.push(slot);
      const mine = generation;
      decodeIntoSlot(context, item.data, slot, () => mine === generation, pump);
    },
    stop() {
      generation++;
      for (const slot of queue) events.onSentenceDropped(slot.item);
      queue = [];
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      announcements.clear();
      // A paused player that is stopped plays again next time (answers after a paused reading).
      if (paused) {
        paused = false;
        void context?.resume().catch(() => undefined);
      }
      for (const source of sources) {
        source.onended = null;
        try {
          source.stop();
        } catch {
          // Already stopped: nothing to silence.
        }
      }
      sources.clear();
      playheadS = 0;
      setSpeaking(false);
    },
    // Suspending the context freezes its clock, so scheduled sentences keep their places; the
    // wall-clock timers that announce them are held and re-timed from the context clock on resume.
    pause() {
      if (paused || !context) return;
      paused = true;
      const held: Array<{ item: SentenceAudio; startS: number; durationMs: number }> = [];
      for (const [timer, starts] of announcements) {
        if (timer !== 'held') clearTimeout(timer);
        timers.delete(timer as ReturnType<typeof setTimeout>);
        held.push(...starts);
      }
      announcements.clear();
      announcements.set('held', held);
      void context.suspend().catch(() => undefined);
    },
    resume() {
      if (!paused || !context) return;
      const resumed = context;
      resumed.resume().then(
        () => {
          if (context !== resumed || !paused) return;
          paused = false;
          const held = announcements.get('held') ?? [];
          announcements.delete('held');
          for (const start of held) announce(start);
        },
        () => undefined,
      );
    },
    dispose() {
      this.stop();
      clearTimeout(resumeTimer);
      void context?.close().catch(() => undefined);
      context = undefined;
    },
  };
}
