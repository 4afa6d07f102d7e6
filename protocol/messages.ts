import type { ErrorInfo } from './errors.ts';

/** Which dialect a connection speaks: the original framing, or Parley's extension. */
export type Dialect = 'legacy' | 'v1';

export interface ChatMessage {
  role: 'user' | 'assistant';
  content: string;
}

/** Per-session settings a parley.v1 client may send. Omitted fields keep the relay default. */
export interface SessionSettings {
  model?: string;
  voice?: string;
  /** ISO-639-1 language of the user's speech, e.g. "en"; empty means auto-detect. */
  language?: string;
  speech?: boolean;
  systemPrompt?: string;
}

/** What the relay says in a parley.v1 OK frame answering SetClientId or Resume. */
export interface OkInfo {
  protocol: number;
  /** True when the relay already knew this session or took the client's transcript. */
  resumed: boolean;
  /** Messages in the relay's history for this session (system prompt excluded). */
  historyLength: number;
  limits: {
    maxTextChars: number;
    maxAudioBytes: number;
    maxConcurrentTurns: number;
  };
}

/**
 * On a TextEnd when PARLEY_MAX_SPOKEN_SENTENCES cut the speech short: the first `spoken` sentences
 * were spoken, the `unspoken` ones after them are in the text only.
 */
export interface SpeechCut {
  spoken: number;
  unspoken: number;
}

/** Frames a client sends. `turnId` is 0 for legacy clients (one turn at a time). */
export type ClientMessage =
  | { type: 'setClientId'; clientId: string }
  | { type: 'userText'; turnId: number; text: string }
  | { type: 'audioChunk'; turnId: number; data: Uint8Array }
  | { type: 'audioEnd'; turnId: number }
  | { type: 'cancel'; turnId: number }
  | { type: 'settings'; settings: SessionSettings }
  | { type: 'resume'; clientId: string; messages: ChatMessage[] }
  | { type: 'ping'; nonce: number };

/** Frames the relay sends. `turnId` 0 means "not about a turn" (or a legacy connection). */
export type ServerMessage =
  | { type: 'ok'; info?: OkInfo }
  | { type: 'error'; turnId: number; error: ErrorInfo }
  | { type: 'textChunk'; turnId: number; text: string }
  | { type: 'textEnd'; turnId: number; speech?: SpeechCut }
  | { type: 'transcript'; turnId: number; text: string }
  | {
      type: 'speechAudio';
      turnId: number;
      /** 0-based sentence number within the turn; audio arrives in this order. */
      index: number;
      sentence: string;
      /** Encoded audio (mp3 unless the relay is configured otherwise). */
      audio: Uint8Array;
    }
  | { type: 'pong'; nonce: number };

export type ClientMessageType = ClientMessage['type'];
export type ServerMessageType = ServerMessage['type'];
/** Handler maps keyed by message type, e.g. `{ [K in ServerMessageType]: (m: ServerMessageOf<K>) => void }`. */
export type ClientMessageOf<K extends ClientMessageType> = Extract<ClientMessage, { type: K }>;
export type ServerMessageOf<K extends ServerMessageType> = Extract<ServerMessage, { type: K }>;
