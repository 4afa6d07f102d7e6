import { defineExtensionMessaging } from '@webext-core/messaging';
import type { AttachmentPreview } from './background/page-context.ts';
import type { SiteAccessRequest } from './site-access.ts';

/** Why attaching or reading a page failed; `site` when the user can allow Parley to read that site. */
export interface ContextError {
  code: string;
  message: string;
  site?: SiteAccessRequest;
}

/**
 * The extension's one typed message map. Two channels:
 *
 * 1. Request/response (`sendMessage`/`onMessage`, @webext-core/messaging):
 *    options page, toolbar popup, offscreen document and background.
 * 2. A long-lived Port named CHAT_PORT from each chat panel (the extension page
 *    entrypoints/chat, in a tab's frame or in the side panel) to the background,
 *    carrying ContentToBackground / BackgroundToContent. A port gives streaming
 *    pushes to exactly one panel and tells the background when it goes away
 *    (onDisconnect), so its turn can be cancelled. docs/panel.md has the routing.
 *
 * The launcher (content script) uses neither: the background reaches it with
 * plain tabs messages (lib/launcher/launcher-message.ts), and it sends nothing.
 *
 * Binary audio crosses both as base64 strings: Chrome serialises runtime
 * messages as JSON (ArrayBuffers do not survive), Firefox uses structured clone.
 */

export const CHAT_PORT = 'parley:chat';

export type ConnectionState =
  | 'idle' // not connected and not needed yet
  | 'connecting'
  | 'connected'
  | 'reconnecting' // lost; retrying with backoff
  | 'unauthorized' // the relay refused the token: retrying stops until settings change
  | 'misconfigured'; // no token / bad URL

export interface ConnectionStatus {
  state: ConnectionState;
  /** Human-readable detail for the status line, e.g. "Relay refused the token". */
  detail?: string;
  /** When `reconnecting`, epoch ms of the next attempt. */
  nextRetryAt?: number;
}

export type MessageStatus =
  | 'pending' // typed, not yet accepted by the relay (e.g. relay down): resent on reconnect
  | 'streaming'
  | 'done'
  | 'cancelled'
  | 'error';

export interface ChatEntry {
  id: string;
  role: 'user' | 'assistant';
  content: string;
  status: MessageStatus;
  /** For status 'error': what went wrong, shown with a retry button on the user message. */
  error?: { code: string; message: string; retryable: boolean };
  /** User message that came from the microphone (content is the transcript). */
  voice?: boolean;
  /** User message sent with a page or selection attached (what the chip showed; the text is not stored). */
  attachment?: { kind: 'page' | 'selection'; title: string; chars: number; truncated: boolean };
  createdAt: number;
}

export interface Conversation {
  /** Relay session id (SetClientId / Resume); a new chat gets a new one. */
  clientId: string;
  entries: ChatEntry[];
}

export interface RecordingState {
  /** A push-to-talk recording is under way (starting or recording): Stop and Escape apply. */
  recording: boolean;
  /**
   * The microphone is still opening: nothing is recorded yet, so the panel says "Starting microphone…"
   * and not "Recording" (issue 11). Cleared when the recorder reports MediaRecorder's start event.
   */
  starting?: boolean;
  /** Epoch ms when the recorder began recording (for the elapsed-time display); absent while starting. */
  startedAt?: number;
  /** Last failure, e.g. permission denied, no microphone, device unplugged. */
  error?: { code: MicErrorCode; message: string };
}

export type MicErrorCode = 'PERMISSION_DENIED' | 'NO_MICROPHONE' | 'DEVICE_LOST' | 'BLOCKED_BY_SITE' | 'UNSUPPORTED' | 'FAILED';

// ------------------------------------------------------------------ chat port

export type ContentToBackground =
  | { type: 'hello' }
  | { type: 'send'; text: string }
  | { type: 'retry'; entryId: string }
  | { type: 'cancel' } // stop generating (the tab's turn in flight) and stop playback
  | { type: 'newChat' }
  | { type: 'startRecording' }
  | { type: 'stopRecording' } // stop and send
  | { type: 'discardRecording' }
  | { type: 'reconnect' }
  | { type: 'toggleConversation' } // conversation mode on/off for this tab (issue 11)
  | { type: 'close' } // the in-page panel closed itself (Escape, Close): the background tells its tab's launcher
  // Issue 12. Attach the tab's page or selection to the next message (read only now, on this click).
  | { type: 'attachPage' }
  | { type: 'attachSelection' }
  | { type: 'removeAttachment' }
  // Read the given text, or the tab's page or selection (default the page), aloud; stop a reading.
  | { type: 'readAloud'; text?: string; kind?: 'page' | 'selection' }
  | { type: 'stopReadAloud' }
  // Where the panel has no permissions API (Firefox's in-page frame): ask in a small Parley window.
  | { type: 'requestSiteAccess'; host: string };

/** Conversation mode as the panel shows it (issue 11). */
export interface ConversationView {
  active: boolean;
  phase: 'off' | 'listening' | 'capturing' | 'userTurn' | 'thinking' | 'speaking' | 'paused';
  /** Input level in dBFS, for the meter. */
  levelDb?: number;
  /** The self-check found the speakers audible in the mic: no interruption (headphones enable it). */
  halfDuplex?: boolean;
  /** A failure or pause to show, e.g. "Paused: no speech for a while." */
  notice?: string;
}

export type BackgroundToContent =
  | { type: 'conversationState'; conversation: ConversationView }
  // Conversation mode plays answers in the voice engine; the panel types each sentence when it starts there.
  | { type: 'speechPlayed'; entryId: string; sentence: string; durationMs: number }
  | { type: 'speechDropped'; entryId: string }
  | { type: 'snapshot'; conversation: Conversation; status: ConnectionStatus; recording: RecordingState }
  | { type: 'conversation'; conversation: Conversation }
  | { type: 'textChunk'; entryId: string; text: string }
  /**
   * The user's words so far while a voice turn is transcribed (streamed transcription), shown until
   * the transcript becomes a message; null when it did, or the turn ended without one.
   */
  | { type: 'liveTranscript'; text: string | null }
  | { type: 'speech'; entryId: string; index: number; sentence: string; audioBase64: string; mimeType: string }
  | { type: 'status'; status: ConnectionStatus }
  | { type: 'recording'; recording: RecordingState }
  /** The tab's pending attachment changed (null: removed or sent), or attaching failed. */
  | { type: 'attachment'; preview: AttachmentPreview | null; error?: ContextError }
  | { type: 'readAloud'; state: 'started' | 'ended' | 'stopped' | 'error'; title?: string; error?: ContextError }
  /** One sentence of a reading, in order; the panel plays it and highlights `sentence`. */
  | { type: 'readAloudSpeech'; index: number; sentence: string; audioBase64: string; mimeType: string }
  /** The user answered the site-access window the panel asked for. */
  | { type: 'siteAccess'; host: string; granted: boolean };

// ------------------------------------------------------------------ request/response

export type TestConnectionResult =
  | { ok: true; rttMs: number }
  | { ok: false; reason: 'wrong-token' | 'unreachable' | 'bad-url' | 'forbidden-origin'; message: string };

export interface ProtocolMap {
  // options page / toolbar popup → background
  getStatus(): ConnectionStatus;
  testConnection(data: { relayUrl: string; token: string }): TestConnectionResult;
  openChatInTab(data: { tabId: number }): void;
  /** Conversation mode on/off for a tab (issue 11); resolves to whether it is now on. */
  toggleConversationInTab(data: { tabId: number }): boolean;
  // background → offscreen document (Chrome) or recorder host (Firefox)
  recorderStart(data: { turnId: number }): { ok: true } | { ok: false; code: MicErrorCode; message: string };
  recorderStop(data: { discard: boolean }): void;
  // recorder → background
  recorderChunk(data: { turnId: number; seq: number; base64: string }): void;
  /** `pause`: conversation mode's last recorderPause count, still valid at the end (no speech since). */
  recorderEnd(data: { turnId: number; chunks: number; pause?: number }): void;
  /** Conversation mode: the user paused; the first `chunks` chunks hold their speech so far (SpeechPaused). */
  recorderPause(data: { turnId: number; chunks: number }): void;
  recorderError(data: { turnId: number; code: MicErrorCode; message: string }): void;
  // permission page → background: the user granted (or denied) the microphone
  micPermissionResult(data: { granted: boolean }): void;
  // site-access page → background: the user allowed (or refused) reading a site (issue 12)
  siteAccessResult(data: { host: string; granted: boolean }): void;
  // background → voice engine (offscreen document / recorder window): conversation mode (issue 11)
  /** Whether the engine's page is loaded and listening (Firefox's window host waits for it). */
  engineReady(): boolean;
  engineStart(data: { silenceMs: number; echoCancellation: boolean }): { ok: true } | { ok: false; code: MicErrorCode; message: string };
  engineStop(): void;
  engineResume(): void;
  /** A spoken sentence: `id` is "<turnId>:<index>". */
  engineSpeak(data: { id: string; base64: string }): void;
  /** The answer's turn ended upstream; listening resumes once its audio has played. */
  engineAnswerEnded(): void;
  // voice engine → background
  /** Speech was confirmed: the turn id its audio goes under (recorderChunk / recorderEnd follow). */
  engineBeginTurn(): number;
  engineEvent(data: EngineEvent): void;
}

/** What the voice engine reports while a conversation runs. */
export type EngineEvent =
  | { type: 'phase'; phase: 'off' | 'listening' | 'capturing' | 'userTurn' | 'thinking' | 'speaking' | 'paused' }
  | { type: 'level'; db: number }
  | { type: 'echo'; fullDuplex: boolean; reason: 'cancelled' | 'noEchoCancellation' | 'echoHeard'; residualDb: number }
  | { type: 'paused'; reason: 'noSpeech' }
  /** Barge-in confirmed: playback stopped; `heard` is the clip that was playing and how much of it played. */
  | { type: 'interrupt'; heard?: { id: string; fraction: number } }
  | { type: 'clipStart'; id: string; startedAt: number; durationMs: number }
  | { type: 'clipDropped'; id: string };

export const { sendMessage, onMessage, removeAllListeners } = defineExtensionMessaging<ProtocolMap>();
