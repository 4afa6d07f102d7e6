/**
 * Conversation mode in the background (issue 11): starts and stops the voice engine (in the recorder
 * host's document), gives each turn the engine confirms a turn id (its audio then flows like a
 * push-to-talk recording), sends the turn's spoken answer to the engine instead of the panel, tells
 * the engine when the answer's turn ended, and turns the engine's barge-in into an Interrupt frame
 * with what was heard. One conversation at a time (one microphone).
 */
import type { BackgroundToContent, ConversationView, EngineEvent, MicErrorCode } from '../messages.ts';
import { EngineHostError, type RecorderHost } from '../recorder/recorder-host.ts';
import { bytesToBase64 } from './base64.ts';
import type { RelayClient } from './relay-client.ts';
import type { Turns } from './turns.ts';
import type { Voice } from './voice.ts';

export interface EngineChannel {
  start(silenceMs: number, echoCancellation: boolean): Promise<{ ok: true } | { ok: false; code?: MicErrorCode; message: string }>;
  stop(): Promise<void>;
  speak(id: string, base64: string): Promise<void>;
  answerEnded(): Promise<void>;
}

export interface ConversationOptions {
  host: Pick<RecorderHost, 'holdEngine'>;
  engine: EngineChannel;
  relay: Pick<RelayClient, 'send'>;
  voice: Pick<Voice, 'beginEngineTurn' | 'failFor'>;
  turns: Pick<Turns, 'interrupted'>;
  settings: () => Promise<{ silenceMs: number; echoCancellation: boolean }>;
  /** Nobody granted the microphone yet: show the one-time grant page (as push-to-talk does). */
  requestMicPermission?: () => void;
  /** The panel of the conversation's tab (its chat port). */
  post?: (tabId: number, message: BackgroundToContent) => void;
  log?: (message: string, error?: unknown) => void;
}

export interface Conversation {
  toggle(tabId: number): Promise<void>;
  start(tabId: number): Promise<void>;
  stop(): Promise<void>;
  activeTab(): number | undefined;
  /** engineBeginTurn */
  beginTurn(): number;
  /** engineEvent */
  handleEvent(event: EngineEvent): void;
  /** Turns' takeSpeech hook. */
  takeSpeech(turnId: number, index: number, audio: Uint8Array, entryId: string, sentence: string): boolean;
  /** Turns' onTurnEnded hook. */
  turnEnded(turnId: number): void;
}

const clipId = (turnId: number, index: number) => `${turnId}:${index}`;

export function parseClipId(id: string): { turnId: number; index: number } | undefined {
  const match = /^(\d{1,10}):(\d{1,5})$/.exec(id);
  if (!match) return undefined;
  return { turnId: Number(match[1]), index: Number(match[2]) };
}

export function createConversation(options: ConversationOptions): Conversation {
  const log = options.log ?? ((message: string, error?: unknown) => console.warn(`[parley] ${message}`, error ?? ''));
  let tabId: number | undefined;
  let release: (() => void) | undefined;
  /** Turns of this conversation (recorded by the engine) whose answers the engine plays. */
  const turnIds = new Set<number>();
  /** The turn whose answer is coming or playing: a barge-in before any audio interrupts it. */
  let answering: number | undefined;
  let view: ConversationView = { active: false, phase: 'off' };
  /** Clips handed to the engine, so its start/drop events reach the right reply in the panel. */
  const clips = new Map<string, { entryId: string; sentence: string }>();

  function show(tab: number, next: ConversationView): void {
    view = next;
    options.post?.(tab, { type: 'conversationState', conversation: view });
  }

  async function stop(notice?: string): Promise<void> {
    if (tabId === undefined) return;
    show(tabId, { active: false, phase: 'off', ...(notice ? { notice } : {}) });
    // Sentences the engine will now never play: the panel types them without audio.
    for (const clip of clips.values()) options.post?.(tabId, { type: 'speechDropped', entryId: clip.entryId });
    tabId = undefined;
    turnIds.clear();
    clips.clear();
    answering = undefined;
    await options.engine.stop().catch((error: unknown) => log('cannot stop the voice engine', error));
    release?.();
    release = undefined;
  }

  async function start(tab: number): Promise<void> {
    if (tabId !== undefined) await stop();
    if (!options.host.holdEngine) {
      return options.voice.failFor(tab, { code: 'UNSUPPORTED', message: 'Conversation mode does not run in this browser; push-to-talk works here.' });
    }
    tabId = tab;
    show(tab, { active: true, phase: 'listening', notice: 'Checking for echo…' });
    try {
      // Firefox: the user closed the conversation window, which took the microphone with it.
      release = await options.host.holdEngine(() => void stop('The Parley conversation window was closed, so the conversation ended.'));
      const settings = await options.settings();
      const result = await options.engine.start(settings.silenceMs, settings.echoCancellation);
      if (!result.ok) throw new EngineHostError(result.code ?? 'FAILED', result.message);
    } catch (error) {
      await stop();
      const code = error instanceof EngineHostError ? error.code : 'FAILED';
      if (code === 'PERMISSION_DENIED') options.requestMicPermission?.();
      const message = `Conversation mode could not start: ${error instanceof Error ? error.message : String(error)}`;
      show(tab, { active: false, phase: 'off', notice: message });
      options.voice.failFor(tab, { code: 'FAILED', message });
    }
  }

  return {
    toggle: (tab) => (tabId === tab ? stop() : start(tab)),
    start,
    stop: () => stop(),
    activeTab: () => tabId,
    beginTurn() {
      if (tabId === undefined) throw new Error('No conversation is running.');
      const turnId = options.voice.beginEngineTurn(tabId);
      if (turnId === undefined) throw new Error('Another recording is in progress.');
      turnIds.add(turnId);
      answering = turnId;
      return turnId;
    },
    handleEvent(event) {
      if (tabId === undefined) return;
      if (event.type === 'interrupt') {
        const heard = event.heard ? parseClipId(event.heard.id) : undefined;
        const turnId = heard?.turnId ?? answering;
        if (turnId !== undefined) {
          const position = heard
            ? { index: heard.index, permille: Math.round(Math.min(1, Math.max(0, event.heard?.fraction ?? 0)) * 1000) }
            : { index: 0, permille: 0 };
          options.relay.send({ type: 'interrupt', turnId, heard: position });
          options.turns.interrupted(turnId);
        }
        answering = undefined;
      }
      const tab = tabId;
      switch (event.type) {
        case 'phase':
          if (event.phase === 'off') return;
          show(tab, { ...view, phase: event.phase, notice: view.phase === 'paused' ? undefined : view.notice });
          break;
        case 'level':
          show(tab, { ...view, levelDb: event.db });
          break;
        case 'echo':
          show(tab, {
            ...view,
            halfDuplex: !event.fullDuplex,
            notice: event.fullDuplex ? undefined : 'Parley can hear its own voice here, so it will not listen while it speaks. Use headphones to interrupt it.',
          });
          break;
        case 'paused':
          // The engine already released the microphone; the conversation ends until the user starts it again.
          void stop('Paused after a while without speech. Start the conversation again to go on.');
          break;
        case 'clipStart':
        case 'clipDropped': {
          const clip = clips.get(event.id);
          if (!clip) break;
          clips.delete(event.id);
          options.post?.(
            tab,
            event.type === 'clipStart'
              ? { type: 'speechPlayed', entryId: clip.entryId, sentence: clip.sentence, durationMs: event.durationMs }
              : { type: 'speechDropped', entryId: clip.entryId },
          );
          break;
        }
        case 'interrupt':
          // Clips still queued in the engine were dropped with the answer; the panel types them on its own.
          for (const [id, clip] of clips) {
            options.post?.(tab, { type: 'speechDropped', entryId: clip.entryId });
            clips.delete(id);
          }
          break;
      }
    },
    takeSpeech(turnId, index, audio, entryId, sentence) {
      if (tabId === undefined || !turnIds.has(turnId)) return false;
      clips.set(clipId(turnId, index), { entryId, sentence });
      void options.engine.speak(clipId(turnId, index), bytesToBase64(audio)).catch((error: unknown) => log('cannot reach the voice engine', error));
      return true;
    },
    turnEnded(turnId) {
      if (!turnIds.delete(turnId)) return;
      if (answering === turnId) answering = undefined;
      void options.engine.answerEnded().catch((error: unknown) => log('cannot reach the voice engine', error));
    },
  };
}
