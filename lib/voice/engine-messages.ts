/**
 * The voice engine's runtime-message side, shared by both documents that host it: Chrome's offscreen
 * document and Firefox's conversation window (entrypoints/offscreen, entrypoints/recorder). Each
 * engine* command is taken only from Parley's background; what the engine reports goes back as
 * recorderChunk / recorderPause / recorderEnd (turn audio, like push-to-talk) and engineBeginTurn / engineEvent.
 * The host documents only say where the VAD's files are and whether they want to watch events.
 */
import type { EngineEvent, ProtocolMap } from '../messages.ts';
import type { SenderLike } from '../background/sender.ts';
import { isFromBackground } from '../recorder/offscreen-sender.ts';
import type { EngineHost } from './engine-host.ts';

type Handler<K extends keyof ProtocolMap> = (message: {
  data: Parameters<ProtocolMap[K]>[0];
  sender: SenderLike;
}) => ReturnType<ProtocolMap[K]> | Promise<ReturnType<ProtocolMap[K]>> | void;

/** The two halves of lib/messages.ts this needs, as deps so tests can pass fakes. */
export interface EngineMessaging {
  onMessage<K extends 'engineReady' | 'engineStart' | 'engineStop' | 'engineResume' | 'engineSpeak' | 'engineAnswerEnded'>(
    type: K,
    handler: Handler<K>,
  ): () => void;
  sendMessage<K extends 'recorderChunk' | 'recorderEnd' | 'recorderPause' | 'engineBeginTurn' | 'engineEvent'>(
    type: K,
    data: Parameters<ProtocolMap[K]>[0],
  ): Promise<ReturnType<ProtocolMap[K]>>;
}

export interface EngineMessagesOptions {
  messaging: EngineMessaging;
  runtimeId: string;
  /** Builds the engine host with the sink and event route this module provides. */
  createHost: (deps: {
    sink: {
      chunk: (data: { turnId: number; seq: number; base64: string }) => Promise<void>;
      end: (data: { turnId: number; chunks: number; pause?: number }) => Promise<void>;
      pause: (data: { turnId: number; chunks: number }) => Promise<void>;
    };
    beginTurn: () => Promise<number>;
    event: (event: EngineEvent) => void;
  }) => EngineHost;
  /** Sees every event too (Firefox's window shows the phase). */
  onEvent?: (event: EngineEvent) => void;
}

const REFUSED = { ok: false, code: 'FAILED', message: 'Refused a request from outside Parley.' } as const;

/** Registers the engine's listeners; returns the engine host and one remover for all of them. */
export function listenForEngine(options: EngineMessagesOptions): { host: EngineHost; dispose: () => void } {
  const { messaging, runtimeId } = options;
  const host = options.createHost({
    sink: {
      chunk: (data) => messaging.sendMessage('recorderChunk', data),
      end: (data) => messaging.sendMessage('recorderEnd', data),
      pause: (data) => messaging.sendMessage('recorderPause', data),
    },
    beginTurn: () => messaging.sendMessage('engineBeginTurn', undefined),
    event: (event) => {
      options.onEvent?.(event);
      // Events are reports (levels, phases): one lost while the background reloads is not worth an error.
      void messaging.sendMessage('engineEvent', event).catch(() => undefined);
    },
  });
  const trusted = (sender: SenderLike) => isFromBackground(sender, runtimeId);

  const removers = [
    // Answered as soon as this script runs: Firefox's window host waits for it before engineStart.
    messaging.onMessage('engineReady', ({ sender }) => trusted(sender)),
    messaging.onMessage('engineStart', ({ data, sender }) => (trusted(sender) ? host.start(data.silenceMs, data.echoCancellation) : REFUSED)),
    messaging.onMessage('engineStop', ({ sender }) => {
      if (trusted(sender)) host.stop();
    }),
    messaging.onMessage('engineResume', ({ sender }) => (trusted(sender) ? host.resume() : undefined)),
    messaging.onMessage('engineSpeak', ({ data, sender }) => {
      if (trusted(sender)) host.speak(data.id, data.base64);
    }),
    messaging.onMessage('engineAnswerEnded', ({ sender }) => {
      if (trusted(sender)) host.answerEnded();
    }),
  ];
  return {
    host,
    dispose() {
      removers.forEach((remove) => remove());
      host.stop();
    },
  };
}
