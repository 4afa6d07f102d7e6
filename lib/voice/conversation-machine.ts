/**
 * Conversation mode's turn-taking (issue 11), pure: frames of voice activity and playback events go
 * in, effects come out for the voice engine to carry out. No clock: time is the sum of frame
 * durations, so tests replay recorded or synthetic frames exactly.
 *
 *   listening ──onset──▶ capturing ──speech ≥ minSpeech──▶ user turn ──silence ≥ silenceMs──▶ thinking
 *       ▲                    │ (a false start: discard, nothing uploaded)                         │
 *       └────────────────────┘                                   speaking ◀──answer plays─────────┘
 *   speaking ──onset──▶ barge-in candidate (ducked) ──confirmed──▶ stop playback, interrupt, user turn
 *                               └──false start──▶ unduck, speaking
 *   speaking ──maybe speech (lower probability, level above the floor)──▶ ducked early; no onset follows ──▶ unduck
 *   user turn ──silence ≥ speculateAfterMs──▶ speechPaused (the relay starts transcribing); speech again ──▶ that pause is void
 */
import type { VadFrame } from './vad.ts';
import { captureDelayMs } from './turn-capture.ts';

export interface ConversationTuning {
  /** Hysteresis on Silero's probability. Higher than vad-web's defaults (0.3/0.25), which fire on speaker noise. */
  positiveThreshold: number;
  negativeThreshold: number;
  /**
   * Barge-in's early duck: while an answer plays, a frame at or above this probability whose level is
   * `duckMarginDb` over the mic's floor lowers the answer at once, before speech is confirmed. Ducking
   * is cheap and undone after `falseStartSilenceMs` without it, so it may fire on less than the onset.
   */
  duckThreshold: number;
  duckMarginDb: number;
  /** Speech needed before a turn counts (and before it is uploaded or stops an answer). */
  minSpeechMs: number;
  /** Audio kept from before the detected onset, so first syllables are not cut. */
  preRollMs: number;
  /** Silence that ends the user's turn (options: 300-3000 ms). */
  silenceMs: number;
  /**
   * Speculative transcription (docs/conversation-mode.md#speculative-transcription): SpeechPaused frames
   * a turn may send, the relay's OkInfo.limits.maxSpeculations; 0 = never (older relays, or switched off).
   */
  maxSpeculations: number;
  /** Silence after which a pause is announced; undefined = preRollMs + SPECULATION_MARGIN_MS (see speculationDelayMs). */
  speculateAfterMs?: number;
  /** Silence that ends a false start (cough, click) before it was confirmed. */
  falseStartSilenceMs: number;
  maxTurnMs: number;
  /** Listening this long without speech pauses the mode. */
  idlePauseMs: number;
  /** Half-duplex: the mic is ignored while an answer plays and this long after it. */
  halfDuplexTailMs: number;
}

export const DEFAULT_TUNING: ConversationTuning = {
  positiveThreshold: 0.6,
  negativeThreshold: 0.4,
  duckThreshold: 0.3,
  duckMarginDb: 10,
  minSpeechMs: 250,
  preRollMs: 300,
  silenceMs: 800,
  maxSpeculations: 0,
  falseStartSilenceMs: 250,
  maxTurnMs: 60_000,
  idlePauseMs: 12_000,
  halfDuplexTailMs: 300,
};

/**
 * Beyond the pre-roll, before a pause is announced: Chrome's opus encoder hands out audio in 20 ms packets
 * a little after it was fed, the silence run is judged on 32 ms frames, and requestData() is answered
 * on a later task. 100 ms covers those with room to spare (a late pause only saves less time).
 */
export const SPECULATION_MARGIN_MS = 100;
/** A pause this close to the end of the turn is not announced: it would save at most this, and cost a request whenever speech resumes. */
export const MIN_SPECULATION_GAIN_MS = 150;

/**
 * When to announce a pause. The recorder hears the mic through the pre-roll delay line (turn-capture.ts),
 * whose length `captureDelayMs` derives from the pre-roll and the silence (500 ms at the default 800 ms):
 * at a silence of S ms it has recorded the mic up to that delay ago, and the speech ended S ms ago (the
 * silence run starts at the first frame under the negative threshold, at or after the last speech). So
 * the flushed recording holds the end of the speech only once S ≥ the delay, plus the encoder's and the
 * frames' lag (SPECULATION_MARGIN_MS): 600 ms at the default silence. Undefined when the configured
 * silence leaves no time to gain.
 */
export function speculationDelayMs(t: Pick<ConversationTuning, 'preRollMs' | 'silenceMs' | 'maxSpeculations' | 'speculateAfterMs'>): number | undefined {
  if (t.maxSpeculations <= 0) return undefined;
  const after = t.speculateAfterMs ?? captureDelayMs(t) + SPECULATION_MARGIN_MS;
  return t.silenceMs - after >= MIN_SPECULATION_GAIN_MS ? after : undefined;
}

export type ConversationPhase = 'off' | 'listening' | 'capturing' | 'userTurn' | 'thinking' | 'speaking' | 'paused';

export type ConversationEffect =
  /** Start keeping audio for a possible turn, including `preRollMs` from before now. */
  | { type: 'startCapture'; preRollMs: number }
  /** Speech confirmed: the capture is a turn; upload what was kept and stream the rest. */
  | { type: 'commitTurn' }
  /** The capture held no real speech: drop it, never upload it. */
  | { type: 'discardCapture' }
  /**
   * End of the user's turn: finish the upload so the relay transcribes and answers. `keepPause`: no speech
   * since the last speechPaused, so the relay may answer from that pause's transcript.
   */
  | { type: 'endTurn'; reason: 'silence' | 'maxLength'; keepPause?: true }
  /** The user has been quiet for speculateAfterMs: flush the recording and let the relay start transcribing it. */
  | { type: 'speechPaused' }
  | { type: 'duck' }
  | { type: 'unduck' }
  /** Barge-in confirmed: stop the answer's playback and cancel its turn upstream (with what was heard). */
  | { type: 'interruptAnswer' }
  /** No speech for idlePauseMs: release the mic and tell the user. */
  | { type: 'pause'; reason: 'noSpeech' }
  | { type: 'phase'; phase: ConversationPhase };

export type ConversationEvent =
  | { type: 'start'; fullDuplex: boolean }
  | { type: 'stop' }
  | { type: 'resume' }
  | { type: 'frame'; frame: VadFrame }
  /** The answer's first sentence started playing. */
  | { type: 'answerPlaying' }
  /** The answer finished playing (or had nothing to play, or failed): back to listening. */
  | { type: 'answerDone' }
  /** The echo self-check found too much of the playback in the mic. */
  | { type: 'halfDuplex' };

export interface ConversationMachine {
  readonly phase: ConversationPhase;
  readonly fullDuplex: boolean;
  handle(event: ConversationEvent): ConversationEffect[];
}

export function createConversationMachine(tuning: Partial<ConversationTuning> = {}): ConversationMachine {
  const t: ConversationTuning = { ...DEFAULT_TUNING, ...tuning };
  let phase: ConversationPhase = 'off';
  let fullDuplex = true;
  /** Hysteresis state of the detector. */
  let inSpeech = false;
  let speechMs = 0;
  let silenceRunMs = 0;
  let turnMs = 0;
  let idleMs = 0;
  /** A barge-in candidate while speaking: playback is ducked until it is confirmed or dropped. */
  let bargeIn = false;
  let tailMs = 0;
  /** The answer is ducked (early duck or barge-in candidate); whoever clears this restores the volume. */
  let ducked = false;
  /** Early duck with no barge-in candidate: how long no frame looked like speech. */
  let maybeQuietMs = 0;
  /**
   * The mic's floor (dBFS): follows the level down at once and up slowly (about 9 dB/s), so speech
   * stands out against it while the echo-cancelled residual of the answer does not.
   */
  let floorDb: number | undefined;
  const FLOOR_RISE_DB = 0.3;
  const speculateAfterMs = speculationDelayMs(t);
  /** speechPaused effects this turn, and whether the last one still holds (no speech since). */
  let pauses = 0;
  let pauseHolds = false;

  function trackFloor(levelDb: number): void {
    floorDb = floorDb === undefined || levelDb < floorDb ? levelDb : floorDb + FLOOR_RISE_DB;
  }

  function duck(on: boolean, out: ConversationEffect[]): void {
    if (ducked === on) return;
    ducked = on;
    maybeQuietMs = 0;
    out.push({ type: on ? 'duck' : 'unduck' });
  }

  /** While an answer plays and no candidate is open: duck on a frame that may be speech, unduck when none follow. */
  function earlyDuck(frame: VadFrame, aboveFloor: boolean, out: ConversationEffect[]): void {
    const maybe = frame.probability >= t.duckThreshold && aboveFloor;
    if (maybe) {
      duck(true, out);
      maybeQuietMs = 0;
    } else if (ducked) {
      maybeQuietMs += frame.durationMs;
      if (maybeQuietMs >= t.falseStartSilenceMs) duck(false, out);
    }
  }

  const resetCapture = () => {
    speechMs = 0;
    silenceRunMs = 0;
    turnMs = 0;
    pauses = 0;
    pauseHolds = false;
  };

  function endTurn(reason: 'silence' | 'maxLength', out: ConversationEffect[]): void {
    out.push(pauseHolds ? { type: 'endTurn', reason, keepPause: true } : { type: 'endTurn', reason });
    enter('thinking', out);
  }

  function enter(next: ConversationPhase, out: ConversationEffect[]): void {
    if (next === phase) return;
    phase = next;
    if (next === 'listening') idleMs = 0;
    out.push({ type: 'phase', phase: next });
  }

  function onFrame(frame: VadFrame, out: ConversationEffect[]): void {
    const wasInSpeech = inSpeech;
    if (frame.probability >= t.positiveThreshold) inSpeech = true;
    else if (frame.probability < t.negativeThreshold) inSpeech = false;
    const onset = inSpeech && !wasInSpeech;
    const ms = frame.durationMs;
    // Judged against the floor before this frame, which the frame may raise.
    const aboveFloor = floorDb !== undefined && frame.levelDb >= floorDb + t.duckMarginDb;
    trackFloor(frame.levelDb);

    switch (phase) {
      case 'listening':
        if (onset) {
          resetCapture();
          speechMs = ms;
          turnMs = ms;
          out.push({ type: 'startCapture', preRollMs: t.preRollMs });
          enter('capturing', out);
          return;
        }
        idleMs += ms;
        if (idleMs >= t.idlePauseMs) {
          out.push({ type: 'pause', reason: 'noSpeech' });
          enter('paused', out);
        }
        return;
      case 'thinking':
      case 'speaking':
        // Half-duplex: the assistant's own voice must never become a turn, so the mic is deaf until
        // the answer has finished (thinking included: its first sentence may start at any moment).
        if (!fullDuplex) return;
        if (!bargeIn) {
          if (!onset) {
            if (phase === 'speaking') earlyDuck(frame, aboveFloor, out);
            return;
          }
          bargeIn = true;
          resetCapture();
          speechMs = ms;
          turnMs = ms;
          if (phase === 'speaking') duck(true, out);
          out.push({ type: 'startCapture', preRollMs: t.preRollMs });
          return;
        }
        turnMs += ms;
        if (inSpeech) {
          speechMs += ms;
          silenceRunMs = 0;
        } else silenceRunMs += ms;
        if (speechMs >= t.minSpeechMs) {
          bargeIn = false;
          // The engine stops playback and restores the volume for the next answer.
          ducked = false;
          out.push({ type: 'interruptAnswer' }, { type: 'commitTurn' });
          enter('userTurn', out);
        } else if (silenceRunMs >= t.falseStartSilenceMs) {
          bargeIn = false;
          out.push({ type: 'discardCapture' });
          duck(false, out);
        }
        return;
      case 'capturing':
      case 'userTurn':
        turnMs += ms;
        if (inSpeech) {
          speechMs += ms;
          silenceRunMs = 0;
        } else silenceRunMs += ms;
        if (phase === 'capturing') {
          if (speechMs >= t.minSpeechMs) {
            out.push({ type: 'commitTurn' });
            enter('userTurn', out);
          } else if (silenceRunMs >= t.falseStartSilenceMs) {
            out.push({ type: 'discardCapture' });
            enter('listening', out);
          }
          return;
        }
        if (inSpeech) pauseHolds = false;
        if (silenceRunMs >= t.silenceMs) endTurn('silence', out);
        else if (turnMs >= t.maxTurnMs) endTurn('maxLength', out);
        else if (speculateAfterMs !== undefined && silenceRunMs >= speculateAfterMs && silenceRunMs - ms < speculateAfterMs && pauses < t.maxSpeculations) {
          // Once per stretch of silence: the frame that crosses the mark.
          pauses++;
          pauseHolds = true;
          out.push({ type: 'speechPaused' });
        }
        return;
      case 'off':
      case 'paused':
        return;
    }
  }

  /** Half-duplex tail: after playback the room still rings for a moment; frames then are ignored. */
  let ignoreTail = false;

  return {
    get phase() {
      return phase;
    },
    get fullDuplex() {
      return fullDuplex;
    },
    handle(event) {
      const out: ConversationEffect[] = [];
      switch (event.type) {
        case 'start':
          fullDuplex = event.fullDuplex;
          inSpeech = false;
          bargeIn = false;
          ducked = false;
          enter('listening', out);
          break;
        case 'resume':
          if (phase === 'paused') {
            inSpeech = false;
            enter('listening', out);
          }
          break;
        case 'stop':
          if (phase === 'capturing' || phase === 'userTurn' || bargeIn) out.push({ type: 'discardCapture' });
          bargeIn = false;
          // The engine stops the player, which restores its volume.
          ducked = false;
          enter('off', out);
          break;
        case 'halfDuplex':
          fullDuplex = false;
          if (bargeIn) {
            bargeIn = false;
            out.push({ type: 'discardCapture' });
          }
          duck(false, out);
          break;
        case 'answerPlaying':
          if (phase === 'thinking') enter('speaking', out);
          break;
        case 'answerDone':
          if (phase === 'thinking' || phase === 'speaking') {
            // A ducked player would play the next answer ducked.
            duck(false, out);
            // A barge-in candidate during the answer's last moments carries on as an ordinary capture.
            if (bargeIn) {
              bargeIn = false;
              enter('capturing', out);
              break;
            }
            ignoreTail = !fullDuplex;
            tailMs = 0;
            inSpeech = false;
            enter('listening', out);
          }
          break;
        case 'frame':
          if (ignoreTail && phase === 'listening') {
            tailMs += event.frame.durationMs;
            if (tailMs < t.halfDuplexTailMs) break;
            ignoreTail = false;
          }
          onFrame(event.frame, out);
          break;
      }
      return out;
    },
  };
}
