// Admission (shutdown, rate limit) and launching of a turn, shared by the WebSocket and HTTP paths.
import type { ErrorInfo } from '../../protocol/index.ts';
import type { RelayContext } from './relay-context.ts';
import type { SessionKey } from './session-store.ts';
import { toTurnErrorInfo, TurnErrors } from './turn-errors.ts';
import { runTurn, type TurnInput, type TurnRequest, type TurnResult } from './turn-runner.ts';

/**
 * Undefined when the turn may start; takes a slot from the token's budget and from the session's
 * share of it, so one flooding session cannot spend every other session's turns. The budgets are
 * keyed by token id and client id, so they hold across instances sharing Redis.
 */
export async function admitTurn(ctx: RelayContext, key: SessionKey, input?: TurnInput): Promise<ErrorInfo | undefined> {
  const refusal = await refuseTurn(ctx, key, input);
  // Metrics count refusals by code.
  if (refusal) ctx.observer.turnRefused(key.tokenId, refusal.code);
  return refusal;
}

async function refuseTurn(ctx: RelayContext, key: SessionKey, input?: TurnInput): Promise<ErrorInfo | undefined> {
  if (!ctx.tracker.accepting()) return TurnErrors.shuttingDown();
  // A connection opened just before its token was revoked can still send frames; its turns stop here.
  if (ctx.tokenPolicy?.isRevoked(key.tokenId)) return TurnErrors.tokenRevoked();
  const own = ctx.tokenPolicy?.limitsOf(key.tokenId);
  const audioBytes = input?.kind === 'voice' ? input.audio.byteLength : 0;
  try {
    // A turn without audio cannot exceed the audio budget: no read (a Redis round trip) for it.
    if (audioBytes > 0 && audioBytes > (await ctx.audioBudget.remaining(key.tokenId, ctx.limits.audioBytesPerDay)))
      return TurnErrors.audioBudgetExceeded(ctx.audioBudget.renewsInMs());
    const slot = await ctx.rateLimiter.take([
      { key: `token:${key.tokenId}`, limit: own?.turnsPerMinute ?? ctx.limits.turnsPerMinute },
      { key: `session:${key.tokenId}:${key.clientId}`, limit: ctx.limits.turnsPerMinutePerSession },
    ]);
    if (!slot.ok) return TurnErrors.rateLimited(slot.limit, slot.retryAfterMs);
    if (own?.dailyBudget !== undefined && ctx.dailyLimiter) {
      const day = await ctx.dailyLimiter.take([{ key: `day:${key.tokenId}`, limit: own.dailyBudget }]);
      if (!day.ok) return TurnErrors.dailyBudgetExceeded(own.dailyBudget, day.retryAfterMs);
    }
    // Spent only once the turn is admitted: a rate-limited recording costs nothing.
    if (audioBytes > 0 && ctx.limits.audioBytesPerDay > 0) await ctx.audioBudget.spend(key.tokenId, audioBytes);
  } catch (error) {
    ctx.logger.warn('rate limiter unavailable', { error: String(error) });
    return toTurnErrorInfo(error, 'chat');
  }
  return undefined;
}

export interface LaunchedTurn {
  controller: AbortController;
  /** Settles when the turn's last frame was sent. */
  done: Promise<TurnResult>;
  /** Settles once the turn was also logged and counted (metrics, usage), just after `done`. */
  accounted: Promise<void>;
}

export function launchTurn(
  ctx: RelayContext,
  transport: 'ws' | 'http',
  request: Omit<TurnRequest, 'signal'>,
): LaunchedTurn {
  const controller = new AbortController();
  const done = runTurn(ctx, { ...request, signal: controller.signal }).catch((error: unknown): TurnResult => {
    // runTurn converts upstream and store errors itself; reaching here is a relay bug, reported once.
    ctx.logger.error('turn crashed', { error: error instanceof Error ? error.stack : String(error) });
    if (!controller.signal.aborted) request.sink.error(TurnErrors.internal());
    return { sessionHash: request.session.hash, turnId: request.turnId, kind: request.input.kind, outcome: 'error', totalMs: 0, chunks: 0, error: 'INTERNAL' };
  });
  // The log line, metrics and usage wait for the I/O already read in this turn of the event loop:
  // answers that started together end together, and each turn's bookkeeping would otherwise sit
  // between the other sessions' last chunks (docs/reliability.md, chunk latency). Shutdown waits for it.
  const accounted = done.then(
    (result) =>
      new Promise<void>((resolve) =>
        setImmediate(() => {
          account(ctx, transport, request, result);
          resolve();
        }),
      ),
  );
  ctx.tracker.track(controller, accounted);
  return { controller, done, accounted };
}

function account(ctx: RelayContext, transport: 'ws' | 'http', request: Omit<TurnRequest, 'signal'>, result: TurnResult): void {
  const { answer: _answer, ...rest } = result;
  const record = { ...rest, tokenId: request.session.key.tokenId, transport };
  ctx.logger.turn(record);
  ctx.observer.turnEnded(record);
}
