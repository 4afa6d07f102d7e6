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

  // Lazy deadline: kick() and pause() only write a timestamp (they run twice per streamed delta, and
  // re-arming a timer each time was measurable on the hot path, docs/reliability.md). One timer checks
  // the deadline when it fires and, if life was seen meanwhile, sleeps again for the remainder.
  let deadline = Number.POSITIVE_INFINITY; // +Infinity while paused
  const fire = () => {
    timer = undefined;
    if (controller.signal.aborted || deadline === Number.POSITIVE_INFINITY) return;
    const remaining = deadline - performance.now();
    if (remaining > 0) {
      timer = setTimeout(fire, remaining);
      return;
    }
    timedOut = true;
    controller.abort(new Error(`no data from OpenAI for ${timeoutMs} ms`));
  };
  const pause = () => {
    deadline = Number.POSITIVE_INFINITY;
  };
  const kick = () => {
    deadline = performance.now() + timeoutMs;
    timer ??= setTimeout(fire, timeoutMs);
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
      clearTimeout(timer);
      timer = undefined;
      parent.removeEventListener('abort', onParentAbort);
    },
  };
}
