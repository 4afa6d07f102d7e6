// @vitest-environment node
import { APIConnectionError, APIConnectionTimeoutError, APIError, APIUserAbortError } from 'openai';
import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../../../protocol/index.ts';
import { isAbortError, retryAfterFromHeaders, toUpstreamError, UpstreamError } from '../../../../server/openai/upstream-error.ts';
import { retryDelayMs, sleep } from '../../../../server/openai/retry.ts';

const KEY = 'sk-proj-unit-secret-abcdef0123456789';
const statusError = (status: number, code: string | null, message = 'upstream says no', headers: Record<string, string> = {}) =>
  APIError.generate(status, { error: { message, type: 'x', param: null, code } }, undefined, new Headers(headers));

describe('toUpstreamError', () => {
  it.each([
    [401, null, 'chat', ErrorCode.UpstreamAuth, false],
    [403, null, 'tts', ErrorCode.UpstreamAuth, false],
    [429, 'insufficient_quota', 'chat', ErrorCode.UpstreamQuota, false],
    [429, 'rate_limit_exceeded', 'stt', ErrorCode.UpstreamRateLimited, true],
    [500, null, 'chat', ErrorCode.UpstreamUnavailable, true],
    [503, null, 'tts', ErrorCode.UpstreamUnavailable, true],
    [408, null, 'chat', ErrorCode.UpstreamUnavailable, true],
    [400, 'invalid_file_format', 'stt', ErrorCode.BadAudio, false],
    [400, 'audio_too_short', 'stt', ErrorCode.BadAudio, false],
    [400, null, 'chat', ErrorCode.UpstreamBadRequest, false],
    [404, 'model_not_found', 'tts', ErrorCode.UpstreamBadRequest, false],
    [413, null, 'stt', ErrorCode.AudioTooLarge, false],
    [413, null, 'chat', ErrorCode.UpstreamBadRequest, false],
  ] as const)('maps HTTP %i (%s) at %s to %s', (status, code, stage, expected, retryable) => {
    const cause = statusError(status, code);
    const error = toUpstreamError(cause, stage);
    expect(error).toBeInstanceOf(UpstreamError);
    expect(error.name).toBe('UpstreamError');
    expect(error.info).toMatchObject({ code: expected, retryable });
    expect(error.status).toBe(status);
    expect(error.cause).toBe(cause);
  });

  it('never repeats the key, even when the upstream message quotes it', () => {
    for (const status of [400, 401, 404, 422]) {
      const error = toUpstreamError(statusError(status, null, `Incorrect API key provided: ${KEY} (sk-pro***6789)`), 'chat', [KEY]);
      expect(error.info.message).not.toContain(KEY);
      expect(error.info.message).not.toMatch(/sk-|6789/);
    }
  });

  it('carries retry-after from the headers', () => {
    expect(toUpstreamError(statusError(429, null, 'slow', { 'retry-after-ms': '1500' }), 'chat').info.retryAfterMs).toBe(1500);
    expect(toUpstreamError(statusError(429, null, 'slow', { 'retry-after': '3' }), 'chat').info.retryAfterMs).toBe(3000);
    expect(toUpstreamError(statusError(429, null, 'slow'), 'chat').info.retryAfterMs).toBeUndefined();
    const inAMinute = new Date(Date.now() + 60_000).toUTCString();
    expect(retryAfterFromHeaders(new Headers({ 'retry-after': inAMinute }))).toBeGreaterThan(50_000);
    expect(retryAfterFromHeaders(new Headers({ 'retry-after': 'soon' }))).toBeUndefined();
  });

  it('maps aborts, timeouts and connection failures', () => {
    expect(toUpstreamError(new APIUserAbortError(), 'chat').info.code).toBe(ErrorCode.Cancelled);
    expect(toUpstreamError(new DOMException('x', 'AbortError'), 'tts').info.code).toBe(ErrorCode.Cancelled);
    expect(toUpstreamError(new APIConnectionTimeoutError(), 'stt').info.code).toBe(ErrorCode.UpstreamTimeout);
    expect(toUpstreamError(new APIConnectionError({ message: 'ECONNREFUSED' }), 'chat').info.code).toBe(ErrorCode.UpstreamUnavailable);
    expect(toUpstreamError(new TypeError('terminated'), 'tts').info.code).toBe(ErrorCode.UpstreamUnavailable);
    expect(toUpstreamError(new Error('bug'), 'chat').info).toMatchObject({ code: ErrorCode.Internal, retryable: false });
  });

  it('passes an UpstreamError through unchanged', () => {
    const error = toUpstreamError(statusError(500, null), 'chat');
    expect(toUpstreamError(error, 'tts')).toBe(error);
  });
});

describe('isAbortError', () => {
  it('recognises SDK, DOM and our own cancellations only', () => {
    expect(isAbortError(new APIUserAbortError())).toBe(true);
    expect(isAbortError(new DOMException('x', 'AbortError'))).toBe(true);
    expect(isAbortError(toUpstreamError(new APIUserAbortError(), 'chat'))).toBe(true);
    expect(isAbortError(new Error('x'))).toBe(false);
    expect(isAbortError(toUpstreamError(statusError(500, null), 'chat'))).toBe(false);
  });
});

describe('retry policy', () => {
  const policy = { maxRetries: 3, baseMs: 100, capMs: 20_000 };
  const error = (status: number, code: string | null = null, headers: Record<string, string> = {}) =>
    toUpstreamError(statusError(status, code, 'x', headers), 'chat');

  it('retries rate limits, 5xx and 408 with full-jitter exponential backoff', () => {
    expect(retryDelayMs(error(500), 0, policy, () => 0.999)).toBe(99);
    expect(retryDelayMs(error(500), 2, policy, () => 0.5)).toBe(200);
    expect(retryDelayMs(error(429), 1, policy, () => 0)).toBe(0);
    expect(retryDelayMs(error(408), 0, policy, () => 0.5)).toBe(50);
    expect(retryDelayMs(error(500), 3, policy)).toBeUndefined();
  });

  it('never retries quota, auth or bad requests', () => {
    for (const e of [error(429, 'insufficient_quota'), error(401), error(403), error(400), error(404), error(413)])
      expect(retryDelayMs(e, 0, policy)).toBeUndefined();
  });

  it('honours retry-after up to the cap', () => {
    expect(retryDelayMs(error(429, null, { 'retry-after-ms': '1234' }), 0, policy)).toBe(1234);
    expect(retryDelayMs(error(429, null, { 'retry-after': '30' }), 0, policy)).toBeUndefined();
  });

  it('sleep rejects with CANCELLED when aborted', async () => {
    const controller = new AbortController();
    const slept = sleep(60_000, controller.signal, 'chat');
    controller.abort();
    await expect(slept).rejects.toMatchObject({ info: { code: ErrorCode.Cancelled } });
  });
});
