/**
 * Frame type bytes. The first byte of every binary WebSocket frame is its type.
 *
 * 0x01–0x04 and 0x01/0x99/0x11/0x12 are the original (legacy) protocol and keep
 * their exact meaning for clients that negotiate no subprotocol. Everything
 * else is only sent to, and only accepted from, clients that negotiated
 * `parley.v1`. See docs/protocol.md for byte layouts.
 */
export const ClientFrame = {
  SetClientId: 0x01,
  UserText: 0x02,
  UserAudioChunk: 0x03,
  UserAudioEnd: 0x04,
  // parley.v1 only
  Cancel: 0x05,
  Settings: 0x06,
  Resume: 0x07,
  Ping: 0x08,
  AttachContext: 0x09,
  SpeakText: 0x0a,
  Interrupt: 0x0b,
  SpeechPaused: 0x0c,
} as const;
export type ClientFrameType = (typeof ClientFrame)[keyof typeof ClientFrame];

export const ServerFrame = {
  Ok: 0x01,
  Error: 0x99,
  TextChunk: 0x11,
  TextEnd: 0x12,
  // parley.v1 only
  Transcript: 0x13,
  SpeechAudio: 0x14,
  Pong: 0x15,
  ContextInfo: 0x16,
  TranscriptPartial: 0x17,
} as const;
export type ServerFrameType = (typeof ServerFrame)[keyof typeof ServerFrame];

/** WebSocket subprotocol that switches a connection to Parley's extended frames. */
export const PROTOCOL_V1 = 'parley.v1';
/** Subprotocol entry carrying the token (browsers cannot set headers on a WebSocket). */
export const TOKEN_PROTOCOL_PREFIX = 'parley-token.';
export const PROTOCOL_VERSION = 1;

/** Close codes the relay uses. 4xxx are application codes (RFC 6455 §7.4.2). */
export const CloseCode = {
  Normal: 1000,
  GoingAway: 1001,
  TooBig: 1009,
  Unauthorized: 4401,
  Forbidden: 4403,
  SlowConsumer: 4408,
} as const;
