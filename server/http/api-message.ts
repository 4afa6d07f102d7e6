// The original design's v1 HTTP API: POST /api/message {id, message} | {id, audio} → {answer, audio}.
// Same sessions, limits and turn runner as the WebSocket; the answer's audio is the per-sentence
// mp3 segments joined (mp3 frames concatenate into one playable stream).
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ErrorCode, ProtocolLimits, type ErrorInfo, type SpeechCut } from '../../protocol/index.ts';
import { admitTurn, launchTurn } from '../session/launch-turn.ts';
import type { RelayContext } from '../session/relay-context.ts';
import { sessionHash } from '../session/session-store.ts';
import { checkText, TurnErrors } from '../session/turn-errors.ts';
import type { TurnAbortReason, TurnInput } from '../session/turn-runner.ts';
import { sendJson } from './json-response.ts';
import { BodyTooLargeError, readBody } from './read-body.ts';

const BASE64_RE = /^[A-Za-z0-9+/]*={0,2}$/;
// eslint-disable-next-line no-control-regex -- control characters are exactly what is refused
const CONTROL_RE = /[\u0000-\u001f\u007f]/;

const STATUS_BY_CODE: Partial<Record<ErrorCode, number>> = {
  [ErrorCode.TextTooLong]: 413,
  [ErrorCode.AudioTooLarge]: 413,
  [ErrorCode.EmptyMessage]: 400,
  [ErrorCode.EmptyAudio]: 400,
  [ErrorCode.BadAudio]: 422,
  [ErrorCode.NoSpeech]: 422,
  [ErrorCode.RateLimited]: 429,
  [ErrorCode.AudioBudgetExceeded]: 429,
  [ErrorCode.DailyBudgetExceeded]: 429,
  [ErrorCode.Unauthorized]: 401,
  [ErrorCode.ShuttingDown]: 503,
  [ErrorCode.StoreUnavailable]: 503,
  [ErrorCode.UpstreamTimeout]: 504,
};

function errorStatus(code: ErrorCode): number {
  return STATUS_BY_CODE[code] ?? (code.startsWith('UPSTREAM_') ? 502 : 500);
}

function sendError(res: ServerResponse, error: ErrorInfo): void {
  const headers: Record<string, string> =
    error.retryAfterMs === undefined ? {} : { 'Retry-After': String(Math.ceil(error.retryAfterMs / 1000)) };
  sendJson(res, errorStatus(error.code), { error: error.message, code: error.code, retryable: error.retryable }, headers);
}

const badRequest = (res: ServerResponse, message: string) => sendJson(res, 400, { error: message, code: ErrorCode.BadFrame });

type Parsed = { ok: true; id: string; input: Exclude<TurnInput, { kind: 'speak' }> } | { ok: false; status: number; message: string };

function parseRequest(raw: Buffer, maxAudioBytes: number): Parsed {
  let body: unknown;
  try {
    body = JSON.parse(raw.toString('utf8'));
  } catch {
    // The parser's position details do not help an API client more than this does.
    return { ok: false, status: 400, message: 'Body must be JSON: {"id": "...", "message": "..."} or {"id": "...", "audio": "<base64 webm>"}.' };
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    return { ok: false, status: 400, message: 'Body must be a JSON object with "id" and either "message" or "audio".' };
  const { id, message, audio } = body as Record<string, unknown>;
  if (typeof id !== 'string' || id === '') return { ok: false, status: 400, message: 'Missing "id": send a non-empty string that identifies the conversation.' };
  if (Buffer.byteLength(id) > ProtocolLimits.maxClientIdBytes || CONTROL_RE.test(id))
    return { ok: false, status: 400, message: `"id" must be at most ${ProtocolLimits.maxClientIdBytes} bytes without control characters.` };
  const hasMessage = message !== undefined && message !== null;
  const hasAudio = audio !== undefined && audio !== null;
  if (hasMessage === hasAudio)
    return { ok: false, status: 400, message: hasMessage ? 'Send either "message" or "audio", not both.' : 'Send "message" (text) or "audio" (base64 webm).' };
  if (hasMessage) {
    if (typeof message !== 'string') return { ok: false, status: 400, message: '"message" must be a string.' };
    return { ok: true, id, input: { kind: 'text', text: message } };
  }
  if (typeof audio !== 'string' || audio.length % 4 === 1 || !BASE64_RE.test(audio.replace(/\s+/g, '')))
    return { ok: false, status: 400, message: '"audio" must be base64-encoded audio (webm/opus).' };
  const bytes = Buffer.from(audio, 'base64');
  if (bytes.byteLength > maxAudioBytes) return { ok: false, status: 413, message: `"audio" is larger than ${maxAudioBytes} bytes.` };
  return { ok: true, id, input: { kind: 'voice', audio: bytes, mimeType: 'audio/webm' } };
}

/** `tokenId` (tokenIdOf the Bearer token) scopes the `id`: the same id under another token is another session. */
export async function handleApiMessage(ctx: RelayContext, req: IncomingMessage, res: ServerResponse, tokenId: string, maxBodyBytes: number): Promise<void> {
  let raw: Buffer;
  try {
    raw = await readBody(req, maxBodyBytes);
  } catch (error) {
    if (error instanceof BodyTooLargeError) {
      sendJson(res, 413, { error: `Request body is larger than ${maxBodyBytes} bytes.`, code: ErrorCode.FrameTooLarge }, { Connection: 'close' });
      req.destroy();
      return;
    }
    throw error;
  }
  const parsed = parseRequest(raw, ctx.limits.maxAudioBytes);
  if (!parsed.ok) return parsed.status === 400 ? badRequest(res, parsed.message) : sendJson(res, parsed.status, { error: parsed.message, code: ErrorCode.AudioTooLarge });
  if (parsed.input.kind === 'text') {
    const invalid = checkText(parsed.input.text, ctx.limits.maxTextChars);
    if (invalid) return sendError(res, invalid);
  } else if (parsed.input.audio.byteLength === 0) {
    return sendError(res, TurnErrors.emptyAudio());
  }
  const key = { tokenId, clientId: parsed.id };
  const refusal = await admitTurn(ctx, key, parsed.input);
  if (refusal) return sendError(res, refusal);

  const session = { key, hash: sessionHash(key) };
  const audio = new Map<number, Uint8Array>();
  let failure: ErrorInfo | undefined;
  let cut: SpeechCut | undefined;
  const turn = launchTurn(ctx, 'http', {
    session,
    turnId: 0,
    input: parsed.input,
    speech: true,
    sink: {
      transcript: () => undefined,
      textChunk: () => undefined,
      textEnd: (speechCut) => (cut = speechCut),
      speechAudio: (index, _sentence, bytes) => audio.set(index, bytes),
      error: (error) => (failure = error),
    },
  });
  // A client that hangs up should not keep the turn spending tokens.
  const onClose = () => {
    if (!res.writableEnded) turn.controller.abort('disconnect' satisfies TurnAbortReason);
  };
  res.on('close', onClose);
  const result = await turn.done;
  res.off('close', onClose);
  // One event-loop turn later: a caller that reads /admin/usage after the answer finds this turn counted.
  await turn.accounted;
  if (failure) return sendError(res, failure);
  if (result.outcome !== 'ok' || result.answer === undefined) return sendError(res, TurnErrors.internal());
  const complete = (result.speechErrors ?? 0) === 0 && audio.size === (result.sentences ?? 0) && audio.size > 0;
  const joined = complete ? Buffer.concat([...audio.keys()].sort((a, b) => a - b).map((index) => audio.get(index) ?? new Uint8Array())) : undefined;
  // With PARLEY_MAX_SPOKEN_SENTENCES the audio covers the first sentences only, and the answer says so.
  sendJson(res, 200, { answer: result.answer, audio: joined ? joined.toString('base64') : null, ...(cut ? { speech: cut } : {}) });
}
