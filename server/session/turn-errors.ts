// ErrorInfo values the relay itself produces (limits, validation, lifecycle, store outages).
import { ErrorCode, type ErrorInfo } from '../../protocol/index.ts';
import { toUpstreamError } from '../openai/upstream-error.ts';
import { StoreUnavailableError } from './store-error.ts';
import type { UpstreamStage } from './turn-services.ts';

export const errorInfo = (code: ErrorCode, message: string, retryable = false, retryAfterMs?: number): ErrorInfo =>
  retryAfterMs === undefined ? { code, message, retryable } : { code, message, retryable, retryAfterMs };

export const TurnErrors = {
  cancelled: () => errorInfo(ErrorCode.Cancelled, 'The turn was cancelled.'),
  shuttingDown: () => errorInfo(ErrorCode.ShuttingDown, 'The relay is restarting; send your message again in a moment.', true),
  emptyMessage: () => errorInfo(ErrorCode.EmptyMessage, 'The message is empty.'),
  textTooLong: (max: number) => errorInfo(ErrorCode.TextTooLong, `The message is longer than ${max} characters; shorten it.`),
  audioTooLarge: (max: number) =>
    errorInfo(ErrorCode.AudioTooLarge, `The recording is larger than ${Math.floor(max / 1024)} KiB; record a shorter message.`),
  emptyAudio: () => errorInfo(ErrorCode.EmptyAudio, 'The recording is empty; check the microphone and try again.'),
  noSpeech: () => errorInfo(ErrorCode.NoSpeech, 'No speech was recognised in the recording; try again closer to the microphone.'),
  rateLimited: (limit: number, retryAfterMs: number) =>
    errorInfo(ErrorCode.RateLimited, `Too many messages: the relay allows ${limit} per minute. Try again shortly.`, true, retryAfterMs),
  tooManyTurns: (max: number) =>
    errorInfo(ErrorCode.TooManyTurns, `At most ${max} answers can run at once on this connection; wait for one to finish.`, true),
  turnInUse: (turnId: number) => errorInfo(ErrorCode.TurnInUse, `Turn ${turnId} is already running on this connection.`),
  unknownTurn: (turnId: number) => errorInfo(ErrorCode.UnknownTurn, `Turn ${turnId} is not running.`),
  legacyBusy: () => errorInfo(ErrorCode.TooManyTurns, 'Still answering the previous message; wait for it to finish.', true),
  noClientId: () => errorInfo(ErrorCode.NoClientId, 'Send SetClientID (or Resume) before anything else.'),
  pauseBeyondAudio: (turnId: number, chunks: number, received: number) =>
    errorInfo(ErrorCode.BadFrame, `SpeechPaused counts ${chunks} chunks, but turn ${turnId} has ${received}; send it after its chunks.`),
  notBinary: () => errorInfo(ErrorCode.NotText, 'Only binary frames are accepted.'),
  modelNotAllowed: (model: string, allowed: readonly string[]) =>
    errorInfo(ErrorCode.ModelNotAllowed, `The model "${model.slice(0, 80)}" is not offered by this relay; choose one of: ${allowed.join(', ')}.`),
  audioBudgetExceeded: (retryAfterMs: number) =>
    errorInfo(ErrorCode.AudioBudgetExceeded, "Today's voice allowance for this token is used up; type your message, or speak again tomorrow.", false, retryAfterMs),
  dailyBudgetExceeded: (limit: number, retryAfterMs: number) =>
    errorInfo(ErrorCode.DailyBudgetExceeded, `This token's ${limit} turns for the day are used up; ask the relay's owner for more, or try again later.`, false, retryAfterMs),
  tokenRevoked: () => errorInfo(ErrorCode.Unauthorized, 'This token was revoked; ask the relay owner for a new one.'),
  recordingIdle: (seconds: number) =>
    errorInfo(ErrorCode.RecordingIdle, `The recording was discarded: no audio arrived for ${seconds} s. Record again.`, true),
  turnLost: () =>
    errorInfo(ErrorCode.TurnLost, 'The relay stopped while it was answering your last message, so the answer is lost; send the message again.', true),
  storeUnavailable: () =>
    errorInfo(ErrorCode.StoreUnavailable, 'The relay cannot reach its session store right now; try again in a few seconds.', true, 2000),
  attachTooLate: (turnId: number) =>
    errorInfo(ErrorCode.BadContext, `Turn ${turnId} has already started; send AttachContext before the message it goes with.`),
  tooManyAttachments: (max: number) =>
    errorInfo(ErrorCode.BadContext, `At most ${max} attachments can wait for their messages on this connection.`),
  speakTooLong: (max: number) => errorInfo(ErrorCode.TextTooLong, `The text to read aloud is longer than ${max} characters; read a shorter part.`),
  internal: () => errorInfo(ErrorCode.Internal, 'The relay hit an unexpected error; the relay log has details.'),
} as const;

/** Checks user text before any upstream work. */
export function checkText(text: string, maxChars: number): ErrorInfo | undefined {
  if (text.trim() === '') return TurnErrors.emptyMessage();
  if (text.length > maxChars) return TurnErrors.textTooLong(maxChars);
  return undefined;
}

/**
 * The one place anything a turn threw becomes a wire-safe ErrorInfo: store outages first, then the
 * upstream's own mapping (the upstream already throws UpstreamError with keys scrubbed).
 */
export function toTurnErrorInfo(error: unknown, stage: UpstreamStage): ErrorInfo {
  if (error instanceof StoreUnavailableError) return TurnErrors.storeUnavailable();
  return toUpstreamError(error, stage).info;
}

/** Checks read-aloud text before any upstream work. */
export function checkSpeakText(text: string, maxChars: number): ErrorInfo | undefined {
  if (text.trim() === '') return TurnErrors.emptyMessage();
  if (text.length > maxChars) return TurnErrors.speakTooLong(maxChars);
  return undefined;
}
