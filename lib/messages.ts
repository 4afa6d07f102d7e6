import { defineExtensionMessaging } from '@webext-core/messaging';

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
  createdAt: number;
}

export interface Conversation {
  /** Relay session id (SetClientId / Resume); a new chat gets a new one. */
  clientId: string;
  entries: ChatEntry[];
}

export interface RecordingState {
  recording: boolean;
  /** Epoch ms when recording started (for the elapsed-time display). */
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
  | { type: 'close' }; // the in-page panel closed itself (Escape, Close): the background tells its tab's launcher

export type BackgroundToContent =
  | { type: 'snapshot'; conversation: Conversation; status: ConnectionStatus; recording: RecordingState }
  | { type: 'conversation'; conversation: Conversation }
  | { type: 'textChunk'; entryId: string; text: string }
  | { type: 'speech'; entryId: string; index: number; sentence: string; audioBase64: string; mimeType: string }
  | { type: 'status'; status: ConnectionStatus }
  | { type: 'recording'; recording: RecordingState };

// ------------------------------------------------------------------ request/response

export type TestConnectionResult =
  | { ok: true; rttMs: number }
  | { ok: false; reason: 'wrong-token' | 'unreachable' | 'bad-url' | 'forbidden-origin'; message: string };

export interface ProtocolMap {
  // options page / toolbar popup → background
  getStatus(): ConnectionStatus;
  testConnection(data: { relayUrl: string; token: string }): TestConnectionResult;
  openChatInTab(data: { tabId: number }): void;
  // background → offscreen document (Chrome) or recorder host (Firefox)
  recorderStart(data: { turnId: number }): { ok: true } | { ok: false; code: MicErrorCode; message: string };
  recorderStop(data: { discard: boolean }): void;
  // recorder → background
  recorderChunk(data: { turnId: number; seq: number; base64: string }): void;
  recorderEnd(data: { turnId: number; chunks: number }): void;
  recorderError(data: { turnId: number; code: MicErrorCode; message: string }): void;
  // permission page → background: the user granted (or denied) the microphone
  micPermissionResult(data: { granted: boolean }): void;
}

export const { sendMessage, onMessage, removeAllListeners } = defineExtensionMessaging<ProtocolMap>();
