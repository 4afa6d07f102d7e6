import { toUpstreamError, upstreamCancelled, upstreamTimeout, type UpstreamError, type UpstreamStage } from './upstream-error.ts';

export interface Watchdog {
  /** Aborts when the caller's signal aborts or when the countdown runs out. Pass it to the SDK. */
  readonly signal: AbortSignal;
  /** Restart the countdown (call on every sign of life). */
  kick(): void;
  /** Stop counting, e.g. while our consumer, not OpenAI, is the slow side. */
  pause(): void;
  /** Turns whatever was thrown into an UpstreamError, telling our own aborts apart from upstream failures. */
  classify(error: unknown): UpstreamError;
  dispose(): void;
}

/**
 * One request's liveness guard. The SDK's `timeout` only covers the wait for response headers;
 * a body (an SSE stream, or audio bytes) that goes silent would otherwise hang the turn forever.
 */
export function createWatchdog(parent: AbortSignal, timeoutMs: number, stage: UpstreamStage, secrets: readonly string[]): Watchdog {
  const controller = new AbortController();
  let timedOut = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const onParentAbort = () => controller.abort(parent.reason);
  if (parent.aborted) controller.abort(parent.reason);
  else parent.addEventListener('abort', onParentAbort, { once: true });

  const pause = () => clearTimeout(timer);
  const kick = () => {
    pause();
    timer = setTimeout(() => {
      timedOut = true;
      controller.abort(new Error(`no data from OpenAI for ${timeoutMs} ms`));
    }, timeoutMs);
  };
  kick();

  return {
    signal: controller.signal,
    kick,
    pause,
    classify(error) {
      if (parent.aborted) return upstreamCancelled(stage, error);
      if (timedOut) return upstreamTimeout(stage, timeoutMs, error);
      return toUpstreamError(error, stage, secrets);
    },
    dispose() {
      pause();
      parent.removeEventListener('abort', onParentAbort);
    },
  };
}
