// Small HTTP helpers shared by the fake's endpoint handlers: OpenAI-shaped errors,
// abortable delays and bounded body reading.
import type { IncomingMessage } from 'node:http';
import type { FakeFailure, HandlerContext } from './fake-openai-types.ts';

export interface OpenAIErrorBody {
  message: string;
  type: string;
  param: string | null;
  code: string | null;
}

/** Writes `{error:{message,type,param,code}}` with the given status and settles the record as failed. */
export function sendError(ctx: HandlerContext, status: number, error: OpenAIErrorBody, headers: Record<string, string> = {}): void {
  const body = JSON.stringify({ error });
  ctx.markFirstByte();
  ctx.res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), ...headers });
  ctx.res.end(body);
  ctx.settle('failed');
}

export function invalidRequest(ctx: HandlerContext, message: string, param: string | null = null, code: string | null = null): void {
  sendError(ctx, 400, { message, type: 'invalid_request_error', param, code });
}

const DEFAULT_STATUS_ERRORS: Record<number, Omit<OpenAIErrorBody, 'param'>> = {
  400: { message: 'Bad request (injected by the fake).', type: 'invalid_request_error', code: null },
  401: { message: 'Incorrect API key provided (injected by the fake).', type: 'invalid_request_error', code: 'invalid_api_key' },
  403: { message: 'Forbidden (injected by the fake).', type: 'invalid_request_error', code: null },
  404: { message: 'Not found (injected by the fake).', type: 'invalid_request_error', code: null },
  429: { message: 'Rate limit reached (injected by the fake).', type: 'requests', code: 'rate_limit_exceeded' },
  500: { message: 'The server had an error while processing your request (injected by the fake).', type: 'server_error', code: null },
  503: { message: 'The engine is currently overloaded (injected by the fake).', type: 'server_error', code: null },
};

/** Answers an injected `{kind:'status'}` failure the way OpenAI would, including retry hints. */
export function sendStatusFailure(ctx: HandlerContext, failure: Extract<FakeFailure, { kind: 'status' }>): void {
  const fallback = DEFAULT_STATUS_ERRORS[failure.status] ?? {
    message: `Error ${failure.status} (injected by the fake).`,
    type: failure.status >= 500 ? 'server_error' : 'invalid_request_error',
    code: null,
  };
  const headers: Record<string, string> = {};
  if (failure.retryAfterMs !== undefined) {
    headers['retry-after-ms'] = String(failure.retryAfterMs);
    headers['retry-after'] = String(Math.ceil(failure.retryAfterMs / 1000));
  }
  // insufficient_quota is a 429 whose type matches its code on the real API.
  const type = failure.type ?? (failure.code === 'insufficient_quota' ? 'insufficient_quota' : fallback.type);
  sendError(
    ctx,
    failure.status,
    { message: failure.message ?? fallback.message, type, param: null, code: failure.code === undefined ? fallback.code : failure.code },
    headers,
  );
}

/** Ends the exchange abruptly, as a dropped connection would. */
export function cutConnection(ctx: HandlerContext): void {
  // Settle first: the 'close' that destroy() triggers must not be read as a client abort.
  ctx.settle('failed');
  ctx.res.destroy();
}

/** Resolves after `ms`, or rejects with the signal's reason when it aborts first. */
export function delay(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, Math.max(0, ms));
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

export type BodyResult = { ok: true; body: Buffer } | { ok: false; tooLarge: true; bytesRead: number };

/** Reads the whole body but stops buffering past `limit` bytes (it keeps draining so the client gets an answer). */
export function readBody(req: IncomingMessage, limit: number): Promise<BodyResult> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) chunks.push(chunk);
    });
    req.on('end', () => resolve(size > limit ? { ok: false, tooLarge: true, bytesRead: size } : { ok: true, body: Buffer.concat(chunks) }));
    req.on('error', reject);
  });
}

/** Real OpenAI shows only the start and the last four characters of a wrong key; never echo it whole. */
export function redactKey(key: string): string {
  if (key.length <= 12) return '*'.repeat(key.length);
  return `${key.slice(0, 3)}${'*'.repeat(key.length - 7)}${key.slice(-4)}`;
}
