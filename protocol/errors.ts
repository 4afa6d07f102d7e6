/** Stable, machine-readable error codes carried by Error frames (parley.v1). */
export const ErrorCode = {
  BadFrame: 'BAD_FRAME',
  UnknownFrame: 'UNKNOWN_FRAME',
  NotText: 'NOT_BINARY',
  FrameTooLarge: 'FRAME_TOO_LARGE',
  NoClientId: 'NO_CLIENT_ID',
  BadSettings: 'BAD_SETTINGS',
  BadContext: 'BAD_CONTEXT',
  TextTooLong: 'TEXT_TOO_LONG',
  EmptyMessage: 'EMPTY_MESSAGE',
  AudioTooLarge: 'AUDIO_TOO_LARGE',
  EmptyAudio: 'EMPTY_AUDIO',
  BadAudio: 'BAD_AUDIO',
  NoSpeech: 'NO_SPEECH',
  TurnInUse: 'TURN_IN_USE',
  UnknownTurn: 'UNKNOWN_TURN',
  TooManyTurns: 'TOO_MANY_TURNS',
  RateLimited: 'RATE_LIMITED',
  Cancelled: 'CANCELLED',
  Unauthorized: 'UNAUTHORIZED',
  UpstreamAuth: 'UPSTREAM_AUTH',
  UpstreamRateLimited: 'UPSTREAM_RATE_LIMITED',
  UpstreamQuota: 'UPSTREAM_QUOTA',
  UpstreamUnavailable: 'UPSTREAM_UNAVAILABLE',
  UpstreamTimeout: 'UPSTREAM_TIMEOUT',
  UpstreamCut: 'UPSTREAM_CUT',
  UpstreamBadRequest: 'UPSTREAM_BAD_REQUEST',
  ShuttingDown: 'SHUTTING_DOWN',
  /** A Settings model outside PARLEY_ALLOWED_MODELS; the settings were not applied. */
  ModelNotAllowed: 'MODEL_NOT_ALLOWED',
  /** The token's audio for today (PARLEY_AUDIO_BYTES_PER_DAY or its own budget) is spent. */
  AudioBudgetExceeded: 'AUDIO_BUDGET_EXCEEDED',
  /** A recording got no chunk for PARLEY_RECORDING_IDLE_SECONDS and was discarded. */
  RecordingIdle: 'RECORDING_IDLE',
  /** A named token's own turns per day (tokens add --daily-budget) are spent. */
  DailyBudgetExceeded: 'DAILY_BUDGET_EXCEEDED',
  StoreUnavailable: 'STORE_UNAVAILABLE',
  /**
   * The relay instance that was answering this turn stopped (killed, crashed) before it finished;
   * sent after SetClientID/Resume on a new connection. The question is kept: send it again.
   */
  TurnLost: 'TURN_LOST',
  Internal: 'INTERNAL',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

const ERROR_CODES: ReadonlySet<string> = new Set(Object.values(ErrorCode));
export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && ERROR_CODES.has(value);
}

/** Payload of a parley.v1 Error frame. */
export interface ErrorInfo {
  code: ErrorCode;
  /** Human-readable, safe to show to the user. Never contains secrets. */
  message: string;
  /** True when sending the same request again may succeed. */
  retryable: boolean;
  /** Suggested wait before retrying, when the relay knows one. */
  retryAfterMs?: number;
}

/** A decode failure: a value, never thrown (see decodeClientFrame). */
export class FrameDecodeError {
  readonly name = 'FrameDecodeError';
  constructor(
    readonly code: ErrorCode,
    readonly message: string,
  ) {}
}
