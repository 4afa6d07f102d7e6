/**
 * Records conversation-mode turns from an open microphone stream, with pre-roll: the stream goes
 * through a Web Audio delay line before MediaRecorder, so a recording started when the VAD detects
 * speech holds the `preRollMs` before it (first syllables are not cut). Nothing leaves until the turn
 * is committed (speech confirmed): slices wait here, and a false start drops them, so clips without
 * speech are never uploaded. Once committed, slices go out as they come, as push-to-talk does.
 */
import { bytesToBase64 } from '../background/base64.ts';
import { RECORDING_MIME_TYPE, TIMESLICE_MS } from '../recorder/media-recorder.ts';
import type { RecorderSink } from '../recorder/recorder-host.ts';

export interface TurnCapture {
  /** Starts a possible turn; audio from `preRollMs` before now is included. */
  start(): void;
  /** The capture is a turn: send what was kept under `turnId`, then stream the rest. */
  commit(turnId: number): void;
  /**
   * Speculative transcription: flushes the recorder now (requestData) and resolves with the turn id and
   * how many chunks hold the audio so far, once they are all handed to the sink; undefined when the take
   * is not a committed turn (or is dropped first).
   */
  mark(): Promise<{ turnId: number; chunks: number } | undefined>;
  /** End of the turn: the last slice, then `end` (carrying `pause`, a mark's chunk count still valid). */
  end(pause?: number): void;
  /** A false start: drop everything, send nothing. */
  discard(): void;
  dispose(): void;
}

export interface TurnCaptureDeps {
  context: Pick<AudioContext, 'createMediaStreamSource' | 'createDelay' | 'createMediaStreamDestination'>;
  MediaRecorderImpl: typeof MediaRecorder;
  sink: Pick<RecorderSink, 'chunk' | 'end'>;
  log?: (message: string, error?: unknown) => void;
}

interface Take {
  recorder: MediaRecorder;
  /** Slices read so far, waiting for commit (then emptied as they are sent). */
  kept: Blob[];
  turnId?: number;
  seq: number;
  dropped: boolean;
  delivery: Promise<void>;
  /** mark() calls waiting for the recorder's next slice. */
  marks: Array<(mark: { turnId: number; chunks: number } | undefined) => void>;
  pause?: number;
}

export function createTurnCapture(stream: MediaStream, preRollMs: number, deps: TurnCaptureDeps): TurnCapture {
  const log = deps.log ?? ((message: string, error?: unknown) => console.warn(`[parley] ${message}`, error ?? ''));
  const source = deps.context.createMediaStreamSource(stream);
  const delay = deps.context.createDelay(Math.max(1, preRollMs / 1000));
  delay.delayTime.value = preRollMs / 1000;
  const destination = deps.context.createMediaStreamDestination();
  source.connect(delay);
  delay.connect(destination);
  let take: Take | undefined;

  const send = (current: Take, step: () => void | Promise<void>) => {
    current.delivery = current.delivery.then(step).catch((error: unknown) => log('cannot deliver turn audio', error));
  };
  const flush = (current: Take) => {
    const turnId = current.turnId;
    if (turnId === undefined || current.dropped) return;
    for (const blob of current.kept.splice(0)) {
      const seq = current.seq++;
      send(current, async () => {
        if (current.dropped) return;
        await deps.sink.chunk({ turnId, seq, base64: bytesToBase64(new Uint8Array(await blob.arrayBuffer())) });
      });
    }
  };
  const stopRecorder = (current: Take) => {
    if (current.recorder.state !== 'inactive') current.recorder.stop();
  };

  return {
    start() {
      if (take) {
        take.dropped = true;
        stopRecorder(take);
      }
      const recorder = new deps.MediaRecorderImpl(destination.stream, { mimeType: RECORDING_MIME_TYPE });
      const current: Take = { recorder, kept: [], seq: 0, dropped: false, delivery: Promise.resolve(), marks: [] };
      take = current;
      recorder.ondataavailable = (event) => {
        if (!current.dropped && event.data.size > 0) {
          current.kept.push(event.data);
          flush(current);
        }
        // The first slice after requestData() (an empty one too) ends at the mark: a timeslice's event
        // already queued may come first, ending a task earlier, which the mark's margin covers.
        const turnId = current.turnId;
        const chunks = current.seq;
        for (const resolve of current.marks.splice(0)) {
          if (current.dropped || turnId === undefined) resolve(undefined);
          // After the chunks' own deliveries: the relay must have them before it hears of the pause.
          else send(current, () => resolve({ turnId, chunks }));
        }
      };
      recorder.onstop = () => {
        const turnId = current.turnId;
        if (current.dropped || turnId === undefined) return;
        const pause = current.pause;
        send(current, () => deps.sink.end({ turnId, chunks: current.seq, ...(pause === undefined ? {} : { pause }) }));
      };
      recorder.start(TIMESLICE_MS);
    },
    commit(turnId) {
      if (!take || take.dropped) return;
      take.turnId = turnId;
      flush(take);
    },
    mark() {
      const current = take;
      if (!current || current.dropped || current.recorder.state !== 'recording') return Promise.resolve(undefined);
      return new Promise((resolve) => {
        current.marks.push(resolve);
        current.recorder.requestData();
      });
    },
    end(pause) {
      const current = take;
      take = undefined;
      if (!current) return;
      if (pause !== undefined) current.pause = pause;
      stopRecorder(current);
    },
    discard() {
      const current = take;
      take = undefined;
      if (!current) return;
      current.dropped = true;
      current.kept = [];
      for (const resolve of current.marks.splice(0)) resolve(undefined);
      stopRecorder(current);
    },
    dispose() {
      this.discard();
      source.disconnect();
      delay.disconnect();
    },
  };
}
