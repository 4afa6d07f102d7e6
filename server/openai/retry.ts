import { ErrorCode } from '../../protocol/index.ts';
import { upstreamCancelled, UpstreamError, type UpstreamStage } from './upstream-error.ts';

export interface RetryPolicy {
  /** Attempts after the first; 0 disables retrying. */
  maxRetries: number;
  /** Backoff base: attempt n waits a random time in [0, base * 2^n) ("full jitter"). */
  baseMs: number;
  /** Longest wait we accept, whether computed or asked for by retry-after. */
  capMs: number;
}

export const DEFAULT_RETRY_BASE_MS = 500;
export const DEFAULT_RETRY_CAP_MS = 20_000;

/**
 * Codes worth sending the same request again for: rate limits (not quota), 408/409/5xx and connection
 * failures (all UPSTREAM_UNAVAILABLE), and a stream cut before anything was delivered.
 * Timeouts are not retried: the user has already waited `timeoutMs` once.
 */
const RETRIED: ReadonlySet<string> = new Set([ErrorCode.UpstreamRateLimited, ErrorCode.UpstreamUnavailable, ErrorCode.UpstreamCut]);

/**
 * How long to wait before retry number `attempt` (0-based), or undefined to give up.
 * A retry-after beyond the cap means giving up at once: retrying earlier than asked would only
 * earn another 429, and the client gets `retryAfterMs` in the error instead.
 */
export function retryDelayMs(error: UpstreamError, attempt: number, policy: RetryPolicy, random: () => number = Math.random): number | undefined {
  if (attempt >= policy.maxRetries || !RETRIED.has(error.info.code)) return undefined;
  const asked = error.info.retryAfterMs;
  if (asked !== undefined) return asked <= policy.capMs ? asked : undefined;
  return Math.floor(random() * Math.min(policy.capMs, policy.baseMs * 2 ** attempt));
}

/** Resolves after `ms`, or rejects with CANCELLED as soon as the signal aborts. */
export function sleep(ms: number, signal: AbortSignal, stage: UpstreamStage): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(upstreamCancelled(stage, signal.reason));
    const onAbort = () => {
      clearTimeout(timer);
      reject(upstreamCancelled(stage, signal.reason));
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** Runs `run` until it succeeds, the policy gives up, or the signal aborts. Only UpstreamErrors are considered for retry. */
export async function withRetry<T>(
  run: () => Promise<T>,
  options: { policy: RetryPolicy; signal: AbortSignal; stage: UpstreamStage },
): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await run();
    } catch (error) {
      if (!(error instanceof UpstreamError)) throw error;
      const delay = retryDelayMs(error, attempt, options.policy);
      if (delay === undefined || options.signal.aborted) throw error;
      await sleep(delay, options.signal, options.stage);
    }
  }
}
