/**
 * Spoken answers played by the voice engine, beside the microphone (issue 11): in Chrome's offscreen
 * document, Chrome's echo cancellation removes anything Chrome plays from the mic signal; in Firefox
 * only what the capturing window's own audio graph plays is removed, so playback must live there.
 *
 * Generic on purpose (conversation mode and read-aloud both use it): a queue of clips with ids, played
 * back to back without gaps in the order added (decoding may finish out of order), each reported
 * when it starts and for how long, so whoever shows the text can type it in step. Also pause/resume,
 * stop, duck (barge-in lowers the voice within a frame of speech onset), and `heard()`: how much of
 * what was queued actually played, for the relay's Interrupt frame.
 */
import { decodeIntoSlot, type DecodeSlot } from '../audio/decode-into-slot.ts';

export interface SpeechClip {
  /** Caller's id, e.g. "<turnId>:<sentence index>". */
  id: string;
  /** Encoded audio (mp3); decoding is the player's job. */
  data: ArrayBuffer;
}

export interface SpeechPlayerEvents {
  /** The clip is audible from `startedAt` (epoch ms) for `durationMs`. */
  onClipStart(id: string, startedAt: number, durationMs: number): void;
  /** The clip will never play (decode failed, stopped). */
  onClipDropped(id: string): void;
  /**
   * Busy (a clip is decoding, scheduled or playing) or idle again. Busy starts at enqueue, not at the
   * first sound: an answer whose last frame arrives while its first clip still decodes is not over.
   */
  onPlayingChange(playing: boolean): void;
}

/** Where playback stood: `id` was the clip playing (or the last one that played) and `fraction` of it had played. */
export interface HeardClip {
  id: string;
  fraction: number;
}

export interface SpeechPlayer {
  enqueue(clip: SpeechClip): void;
  /** Stops what plays and drops everything queued; returns what had been heard of the clip that was playing. */
  stop(): HeardClip | undefined;
  pause(): Promise<void>;
  resume(): Promise<void>;
  /** Lowers (true) or restores (false) the volume; ramps within ~30 ms. */
  duck(on: boolean): void;
  heard(): HeardClip | undefined;
  isPlaying(): boolean;
  dispose(): void;
}

/** Volume while ducked: audible, but clearly yielding to the user. */
export const DUCK_GAIN = 0.2;
const DUCK_TIME_CONSTANT_S = 0.01;

/** The part of Web Audio this needs (tests pass a fake). */
export type PlaybackContext = Pick<AudioContext, 'currentTime' | 'state' | 'destination' | 'resume' | 'suspend' | 'close' | 'decodeAudioData' | 'createBufferSource' | 'createGain'>;

interface Slot {
  clip: SpeechClip;
  /** undefined while decoding, null when it failed. */
  buffer: DecodeSlot['buffer'];
}

interface Scheduled {
  id: string;
  startS: number;
  durationS: number;
  source: AudioBufferSourceNode;
}

/** `output`: where the answer goes (the engine's duck gate's GainNode, duck-node.ts); the speakers by default. */
export function createSpeechPlayer(context: PlaybackContext, events: SpeechPlayerEvents, now: () => number = Date.now, output?: AudioNode): SpeechPlayer {
  const gain = context.createGain();
  gain.connect(output ?? context.destination);
  let queue: Slot[] = [];
  let scheduled: Scheduled[] = [];
  let generation = 0;
  let playheadS = 0;
  let lastEnded: HeardClip | undefined;
  const timers = new Set<ReturnType<typeof setTimeout>>();
  let playing = false;

  function setPlaying(value: boolean): void {
    if (playing === value) return;
    playing = value;
    events.onPlayingChange(value);
  }

  function pump(): void {
    while (queue[0] && queue[0].buffer !== undefined) {
      const slot = queue.shift();
      if (!slot) break;
      const buffer = slot.buffer;
      if (!buffer) {
        events.onClipDropped(slot.clip.id);
        if (queue.length === 0 && scheduled.length === 0) setPlaying(false);
        continue;
      }
      // No scheduling lead: a start time already past is clamped to "now" by Web Audio (it plays from its
      // beginning), so the first clip sounds at the next render quantum; later clips follow the playhead
      // gaplessly. A 50 ms lead here was 50 ms more between the answer's arrival and its sound (issue 11).
      const startS = Math.max(context.currentTime, playheadS);
      const source = context.createBufferSource();
      source.buffer = buffer;
      source.connect(gain);
      source.start(startS);
      playheadS = startS + buffer.duration;
      const entry: Scheduled = { id: slot.clip.id, startS, durationS: buffer.duration, source };
      scheduled.push(entry);
      setPlaying(true);
      source.onended = () => {
        scheduled = scheduled.filter((s) => s !== entry);
        lastEnded = { id: entry.id, fraction: 1 };
        if (scheduled.length === 0 && queue.length === 0) setPlaying(false);
      };
      const delayMs = Math.max(0, (startS - context.currentTime) * 1000);
      const timer = setTimeout(() => {
        timers.delete(timer);
        events.onClipStart(entry.id, now(), buffer.duration * 1000);
      }, delayMs);
      timers.add(timer);
    }
  }

  function heard(): HeardClip | undefined {
    const t = context.currentTime;
    const current = scheduled.find((s) => s.startS <= t && t < s.startS + s.durationS);
    if (current) return { id: current.id, fraction: Math.min(1, Math.max(0, (t - current.startS) / current.durationS)) };
    // Between clips or before the first one started: whatever ended last was heard in full.
    return lastEnded;
  }

  return {
    enqueue(clip) {
      const slot: Slot = { clip, buffer: undefined };
      queue.push(slot);
      setPlaying(true);
      const mine = generation;
      decodeIntoSlot(context, clip.data.slice(0), slot, () => mine === generation, pump);
    },
    stop() {
      const position = heard();
      generation++;
      for (const slot of queue) events.onClipDropped(slot.clip.id);
      queue = [];
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      const t = context.currentTime;
      for (const entry of scheduled) {
        entry.source.onended = null;
        // Clips scheduled but not yet started never played.
        if (entry.startS > t) events.onClipDropped(entry.id);
        try {
          entry.source.stop();
        } catch {
          // Already stopped: nothing to silence.
        }
      }
      scheduled = [];
      lastEnded = undefined;
      playheadS = 0;
      gain.gain.cancelScheduledValues(t);
      gain.gain.setValueAtTime(1, t);
      setPlaying(false);
      return position;
    },
    async pause() {
      if (context.state === 'running') await context.suspend();
    },
    async resume() {
      if (context.state === 'suspended') await context.resume();
    },
    duck(on) {
      const t = context.currentTime;
      gain.gain.cancelScheduledValues(t);
      gain.gain.setTargetAtTime(on ? DUCK_GAIN : 1, t, DUCK_TIME_CONSTANT_S);
    },
    heard,
    isPlaying: () => playing,
    dispose() {
      this.stop();
      gain.disconnect();
      void context.close().catch(() => undefined);
    },
  };
}
