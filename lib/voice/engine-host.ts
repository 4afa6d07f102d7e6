/**
 * The voice engine in a browser document (Chrome's offscreen document, Firefox's recorder window):
 * real microphone, MicVAD, MediaRecorder with pre-roll, Web Audio playback, all in this one document
 * so echo cancellation can subtract the answers from the mic. Talks to the background through the
 * engine* runtime messages (lib/messages.ts). Wiring only; the logic is in voice-engine.ts.
 */
import { base64ToBytes } from '../background/base64.ts';
import type { EngineEvent, MicErrorCode } from '../messages.ts';
import { micError } from '../recorder/mic-errors.ts';
import type { RecorderSink } from '../recorder/recorder-host.ts';
import { createDuckNode } from './duck-node.ts';
import { chirpSamples } from './echo-check.ts';
import { micConstraints } from './mic-constraints.ts';
import { createMicVad } from './mic-vad.ts';
import { createSpeechPlayer } from './speech-player.ts';
import { createTurnCapture } from './turn-capture.ts';
import { createVoiceEngine, type VoiceEngine } from './voice-engine.ts';

export interface EngineHostDeps {
  sink: Pick<RecorderSink, 'chunk' | 'end'> & Required<Pick<RecorderSink, 'pause'>>;
  beginTurn(): Promise<number>;
  event(event: EngineEvent): void;
  assetBase: string;
}

/** SpeechPaused per turn the engine sends at most (the relay's OkInfo may allow fewer; lib/background/voice.ts). */
const CLIENT_MAX_SPECULATIONS = 3;

/** Input level reaches the panel at most this often (runtime messages are not free). */
const LEVEL_INTERVAL_MS = 100;

export interface EngineHost {
  start(silenceMs: number, echoCancellation: boolean): Promise<{ ok: true } | { ok: false; code: MicErrorCode; message: string }>;
  stop(): void;
  resume(): Promise<void>;
  speak(id: string, base64: string): void;
  answerEnded(): void;
}

export function createEngineHost(deps: EngineHostDeps): EngineHost {
  let playback: AudioContext | undefined;
  let recording: AudioContext | undefined;
  let answerGain: GainNode | undefined;
  let engine: VoiceEngine | undefined;
  let lastLevelAt = 0;

  function build(echoCancellation: boolean, silenceMs: number): VoiceEngine {
    playback ??= new AudioContext();
    recording ??= new AudioContext();
    const context = playback;
    // The answer's last stage, one per playback context (not per conversation: a new one each start
    // would leave the old ones connected): the duck gate's worklet drives its gain (duck-node.ts); the
    // chirp bypasses it.
    if (!answerGain) {
      answerGain = context.createGain();
      answerGain.connect(context.destination);
    }
    const answerStage = answerGain;
    const player = createSpeechPlayer(
      context,
      {
        onClipStart: (id, startedAt, durationMs) => deps.event({ type: 'clipStart', id, startedAt, durationMs }),
        onClipDropped: (id) => deps.event({ type: 'clipDropped', id }),
        onPlayingChange: (playing) => engine?.playbackChanged(playing),
      },
      Date.now,
      answerStage,
    );
    return createVoiceEngine({
      openMic: () => navigator.mediaDevices.getUserMedia(micConstraints(echoCancellation)),
      createVad: (stream) => createMicVad(stream, deps.assetBase),
      createCapture: (stream, preRollMs) =>
        createTurnCapture(stream, { preRollMs, silenceMs }, { context: recording ?? new AudioContext(), MediaRecorderImpl: MediaRecorder, sink: deps.sink }),
      player,
      createDuckGate: (stream) => createDuckNode(context, stream, answerStage),
      // Set only by tests/e2e/conversation-room.test.ts's own build: never in a shipped build.
      forceFullDuplex: import.meta.env.WXT_E2E_FORCE_FULL_DUPLEX === '1',
      playChirp: () =>
        new Promise<void>((resolve) => {
          const samples = chirpSamples(context.sampleRate);
          const buffer = context.createBuffer(1, samples.length, context.sampleRate);
          buffer.copyToChannel(samples, 0);
          const source = context.createBufferSource();
          source.buffer = buffer;
          source.connect(context.destination);
          source.onended = () => resolve();
          source.start();
        }),
      sink: {
        beginTurn: deps.beginTurn,
        chunk: deps.sink.chunk,
        end: deps.sink.end,
        pause: deps.sink.pause,
        interrupt: (heard) => deps.event({ type: 'interrupt', ...(heard ? { heard } : {}) }),
        phase: (phase) => deps.event({ type: 'phase', phase }),
        level: (db) => {
          const now = performance.now();
          if (now - lastLevelAt < LEVEL_INTERVAL_MS) return;
          lastLevelAt = now;
          deps.event({ type: 'level', db: Math.round(db) });
        },
        echo: (verdict) => deps.event({ type: 'echo', ...verdict }),
        paused: (reason) => deps.event({ type: 'paused', reason }),
      },
    });
  }

  return {
    async start(silenceMs, echoCancellation) {
      engine?.stop();
      engine = build(echoCancellation, silenceMs);
      try {
        await playback?.resume();
        // A suspended recording context would record the pre-roll as silence; it must run before the first onset.
        await recording?.resume();
        // The engine announces pauses up to its own cap; the background forwards only what the relay takes.
        await engine.start({ silenceMs, maxSpeculations: CLIENT_MAX_SPECULATIONS });
        return { ok: true };
      } catch (error) {
        engine.stop();
        engine = undefined;
        return { ok: false, ...micError(error) };
      }
    },
    stop() {
      engine?.stop();
      engine = undefined;
    },
    async resume() {
      await engine?.resume();
    },
    speak(id, base64) {
      const bytes = base64ToBytes(base64);
      // Undecodable base64 is dropped like an undecodable clip: the text is typed without it.
      if (!bytes) return deps.event({ type: 'clipDropped', id });
      engine?.speak({ id, data: bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer });
    },
    answerEnded() {
      engine?.answerEnded();
    },
  };
}
