import { APIConnectionError, APIConnectionTimeoutError, APIError, APIUserAbortError } from 'openai';
import { ErrorCode, type ErrorInfo } from '../../protocol/index.ts';

export type UpstreamStage = 'chat' | 'stt' | 'tts';

/**
 * The one error type the upstream layer throws. `info` is safe to put in an Error frame as is:
 * its message is our own text (never the upstream's raw message when that could echo the key).
 */
export class UpstreamError extends Error {
  override readonly name = 'UpstreamError';
  readonly info: ErrorInfo;
  readonly status?: number;

  constructor(info: ErrorInfo, options: { cause?: unknown; status?: number } = {}) {
    super(info.message, options.cause === undefined ? undefined : { cause: options.cause });
    this.info = info;
    if (options.status !== undefined) this.status = options.status;
  }

  get code(): ErrorInfo['code'] {
    return this.info.code;
  }
}

/** True for an SDK user abort, a fetch AbortError, or our own CANCELLED error. */
export function isAbortError(error: unknown): boolean {
  if (error instanceof APIUserAbortError) return true;
  if (error instanceof UpstreamError) return error.info.code === ErrorCode.Cancelled;
  return typeof error === 'object' && error !== null && 'name' in error && error.name === 'AbortError';
}

const STAGE_NAME: Record<UpstreamStage, string> = { chat: 'answer', stt: 'transcription', tts: 'speech' };
/** Cap for a server-requested wait we pass on to the client (a day-long Retry-After is not advice). */
const MAX_ADVERTISED_RETRY_AFTER_MS = 10 * 60_000;
/** OpenAI keys (sk-..., sk-proj-...) and the redacted form its 401 message carries (sk-abc***xyz). */
const KEY_LIKE_RE = /\bsk-[\w*-]{4,}/g;

/** Reads retry-after-ms, then retry-after (seconds or an HTTP date), as the SDK does. */
export function retryAfterFromHeaders(headers: Headers | undefined): number | undefined {
  if (!headers) return undefined;
  const ms = Number.parseFloat(headers.get('retry-after-ms') ?? '');
  if (Number.isFinite(ms) && ms >= 0) return Math.min(ms, MAX_ADVERTISED_RETRY_AFTER_MS);
  const value = headers.get('retry-after');
  if (!value) return undefined;
  const seconds = Number.parseFloat(value);
  const fromDate = Date.parse(value) - Date.now();
  const result = Number.isFinite(seconds) ? seconds * 1000 : fromDate;
  return Number.isFinite(result) && result >= 0 ? Math.min(result, MAX_ADVERTISED_RETRY_AFTER_MS) : undefined;
}

/**
 * Upstream text is only ever quoted for 400/404/422 (e.g. "model does not exist"), and even then
 * anything shaped like a key, plus every secret we know, is cut out first.
 */
function scrub(text: string, secrets: readonly string[]): string {
  let out = text.replace(KEY_LIKE_RE, '[redacted]');
  for (const secret of secrets) if (secret.length >= 4) out = out.split(secret).join('[redacted]');
  return out.length > 300 ? `${out.slice(0, 300)}…` : out;
}

function upstreamMessage(error: APIError): string {
  const body = error.error;
  if (typeof body === 'object' && body !== null && 'message' in body && typeof body.message === 'string') return body.message;
  return '';
}

const make = (code: ErrorInfo['code'], message: string, retryable: boolean, cause: unknown, status?: number, retryAfterMs?: number) =>
  new UpstreamError(retryAfterMs === undefined ? { code, message, retryable } : { code, message, retryable, retryAfterMs }, {
    cause,
    ...(status === undefined ? {} : { status }),
  });

function fromStatus(error: APIError, status: number, stage: UpstreamStage, secrets: readonly string[]): UpstreamError {
  const what = STAGE_NAME[stage];
  const retryAfterMs = retryAfterFromHeaders(error.headers);
  if (status === 401 || status === 403)
    return make(
      ErrorCode.UpstreamAuth,
      `The relay's OpenAI key was refused (HTTP ${status}). Ask whoever runs the relay to check OPENAI_API_KEY${stage === 'chat' ? '' : ` and the ${stage.toUpperCase()} key`}.`,
      false,
      error,
      status,
    );
  if (status === 429 && error.code === 'insufficient_quota')
    return make(ErrorCode.UpstreamQuota, "The relay's OpenAI account is out of quota. Ask whoever runs the relay to check billing.", false, error, status);
  if (status === 429)
    return make(ErrorCode.UpstreamRateLimited, `OpenAI is rate-limiting the relay; the ${what} could not be made. Please try again shortly.`, true, error, status, retryAfterMs);
  if (status === 413)
    return stage === 'stt'
      ? make(ErrorCode.AudioTooLarge, 'The recording is too large to transcribe (OpenAI accepts up to 25 MB).', false, error, status)
      : make(ErrorCode.UpstreamBadRequest, `OpenAI refused the ${what} request as too large.`, false, error, status);
  if (status === 400 && stage === 'stt')
    return make(
      ErrorCode.BadAudio,
      error.code === 'audio_too_short'
        ? 'The recording is too short to transcribe. Hold the button a little longer.'
        : 'The recording could not be decoded as audio. Please record again.',
      false,
      error,
      status,
    );
  if (status === 408 || status === 409 || status >= 500)
    return make(ErrorCode.UpstreamUnavailable, `OpenAI is temporarily unavailable (HTTP ${status}); the ${what} failed. Please try again.`, true, error, status, retryAfterMs);
  const detail = scrub(upstreamMessage(error), secrets);
  return make(ErrorCode.UpstreamBadRequest, `OpenAI refused the ${what} request (HTTP ${status})${detail ? `: ${detail}` : '.'}`, false, error, status);
}

/**
 * The single place where anything thrown by the SDK becomes an UpstreamError.
 * `secrets` (the configured keys) are scrubbed from any upstream text we quote.
 */
export function toUpstreamError(error: unknown, stage: UpstreamStage, secrets: readonly string[] = []): UpstreamError {
  if (error instanceof UpstreamError) return error;
  const what = STAGE_NAME[stage];
  if (isAbortError(error)) return make(ErrorCode.Cancelled, `The ${what} was cancelled.`, false, error);
  if (error instanceof APIConnectionTimeoutError)
    return make(ErrorCode.UpstreamTimeout, `OpenAI did not answer in time; the ${what} was abandoned. Please try again.`, true, error);
  if (error instanceof APIConnectionError)
    return make(ErrorCode.UpstreamUnavailable, `The relay could not reach OpenAI; the ${what} failed. Please try again.`, true, error);
  if (error instanceof APIError) {
    if (typeof error.status === 'number') return fromStatus(error, error.status, stage, secrets);
    // No status: an error event inside an otherwise successful stream.
    return make(ErrorCode.UpstreamUnavailable, `OpenAI reported an error while producing the ${what}. Please try again.`, true, error);
  }
  if (error instanceof SyntaxError)
    return make(ErrorCode.UpstreamCut, `OpenAI's ${what} arrived garbled or incomplete. Please try again.`, true, error);
  // undici reports a socket closed mid-body as TypeError("terminated"), a failed connect as "fetch failed".
  if (error instanceof TypeError && /terminated|fetch failed|socket|ECONN/i.test(`${error.message} ${String(error.cause)}`))
    return make(ErrorCode.UpstreamUnavailable, `The connection to OpenAI broke; the ${what} failed. Please try again.`, true, error);
  return make(ErrorCode.Internal, `The relay failed while requesting the ${what}.`, false, error);
}

/** Errors for conditions the SDK does not report itself. */
export const upstreamCut = (stage: UpstreamStage, cause?: unknown): UpstreamError =>
  make(ErrorCode.UpstreamCut, `OpenAI's ${STAGE_NAME[stage]} stopped before it was complete. Please try again.`, true, cause);

export const upstreamTimeout = (stage: UpstreamStage, timeoutMs: number, cause?: unknown): UpstreamError =>
  make(
    ErrorCode.UpstreamTimeout,
    `OpenAI went silent for ${(timeoutMs / 1000).toFixed(timeoutMs < 10_000 ? 1 : 0)} s; the ${STAGE_NAME[stage]} was abandoned. Please try again.`,
    true,
    cause,
  );

export const upstreamCancelled = (stage: UpstreamStage, cause?: unknown): UpstreamError =>
  make(ErrorCode.Cancelled, `The ${STAGE_NAME[stage]} was cancelled.`, false, cause);
