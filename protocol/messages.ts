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
  /** Speaking rate passed to text-to-speech, 0.25-4 (1 = normal). */
  speed?: number;
  systemPrompt?: string;
}

/**
 * How much of a spoken answer the user heard before interrupting it: every sentence before
 * `index` in full, and the first `permille`/1000 of sentence `index` (by its duration).
 * `{ index: 0, permille: 0 }` means nothing was heard.
 */
export interface HeardPosition {
  index: number;
  permille: number;
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
    /** Caps of one context attachment (absent from relays older than the attachment frame). */
    maxContextChars?: number;
    maxContextTokens?: number;
    /** Longest text one SpeakText may carry. */
    maxReadAloudChars?: number;
    /**
     * SpeechPaused frames a voice turn may start a transcription with (PARLEY_STT_SPECULATIVE); absent
     * or 0 = the relay does not speculate, so clients send neither SpeechPaused nor AudioEnd's pause.
     */
    maxSpeculations?: number;
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

/** Where an attachment came from: the page's main content, or the user's selection. */
export type ContextKind = 'page' | 'selection';

/**
 * Material the user attached to their next message (parley.v1 AttachContext). The relay quotes it
 * to the model as untrusted text; `url` and `title` are shown to the model too, so they are only
 * ever sent when the user attached the page.
 */
export interface ContextAttachment {
  kind: ContextKind;
  title: string;
  url?: string;
  text: string;
}

/** The relay's answer to AttachContext: what it kept, so the client can show truncation. */
export interface ContextReceipt {
  kind: ContextKind;
  /** Characters kept (after truncation). */
  chars: number;
  /** Characters received. */
  originalChars: number;
  /** Estimated tokens of the kept text (protocol/context-size.ts). */
  tokens: number;
  truncated: boolean;
  maxChars: number;
  maxTokens: number;
}

/** Frames a client sends. `turnId` is 0 for legacy clients (one turn at a time). */
export type ClientMessage =
  | { type: 'setClientId'; clientId: string }
  | { type: 'userText'; turnId: number; text: string }
  | { type: 'audioChunk'; turnId: number; data: Uint8Array }
  /**
   * `pause` (parley.v1 only): the chunk count of the last SpeechPaused of this turn when no speech came
   * after it, so the relay may answer with that pause's transcript; absent = transcribe the whole clip.
   */
  | { type: 'audioEnd'; turnId: number; pause?: number }
  /**
   * Speculative transcription (parley.v1): the user has been silent for a while, and the first `chunks`
   * chunks already hold the end of their speech; the relay may start transcribing them before AudioEnd.
   */
  | { type: 'speechPaused'; turnId: number; chunks: number }
  | { type: 'cancel'; turnId: number }
  | { type: 'settings'; settings: SessionSettings }
  | { type: 'resume'; clientId: string; messages: ChatMessage[] }
  | { type: 'ping'; nonce: number }
  /** Goes with the turn of the same id (UserText or voice), sent before it; enters history once. */
  | { type: 'attachContext'; turnId: number; attachment: ContextAttachment }
  /** Read-aloud: the relay speaks `text` sentence by sentence as a turn of its own (no chat, no history). */
  | { type: 'speakText'; turnId: number; text: string }
  /** Barge-in: cancel the turn if it still runs, and keep in history only what was heard. */
  | { type: 'interrupt'; turnId: number; heard: HeardPosition };

/** Frames the relay sends. `turnId` 0 means "not about a turn" (or a legacy connection). */
export type ServerMessage =
  | { type: 'ok'; info?: OkInfo }
  | { type: 'error'; turnId: number; error: ErrorInfo }
  | { type: 'textChunk'; turnId: number; text: string }
  | { type: 'textEnd'; turnId: number; speech?: SpeechCut }
  | { type: 'transcript'; turnId: number; text: string }
  /**
   * The transcript so far, while a streaming transcription model is still producing it (the whole
   * text, not a delta: a retried transcription simply starts over). The final text is the
   * `transcript` that follows; only that one enters history.
   */
  | { type: 'transcriptPartial'; turnId: number; text: string }
  | {
      type: 'speechAudio';
      turnId: number;
      /** 0-based sentence number within the turn; audio arrives in this order. */
      index: number;
      sentence: string;
      /** Encoded audio (mp3 unless the relay is configured otherwise). */
      audio: Uint8Array;
    }
  | { type: 'pong'; nonce: number }
  | { type: 'contextInfo'; turnId: number; info: ContextReceipt };

export type ClientMessageType = ClientMessage['type'];
export type ServerMessageType = ServerMessage['type'];
/** Handler maps keyed by message type, e.g. `{ [K in ServerMessageType]: (m: ServerMessageOf<K>) => void }`. */
export type ClientMessageOf<K extends ClientMessageType> = Extract<ClientMessage, { type: K }>;
export type ServerMessageOf<K extends ServerMessageType> = Extract<ServerMessage, { type: K }>;
