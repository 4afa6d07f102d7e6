// Admission (shutdown, rate limit) and launching of a turn, shared by the WebSocket and HTTP paths.
import type { ErrorInfo } from '../../protocol/index.ts';
import type { RelayContext } from './relay-context.ts';
import { TurnErrors } from './turn-errors.ts';
import { runTurn, type TurnRequest, type TurnResult } from './turn-runner.ts';

/**
 * Undefined when the turn may start; takes a slot from the token's budget and from the session's
 * share of it, so one flooding session cannot spend every other session's turns. Refusals are
 * reported to the observer (metrics count them by code).
 */
export function admitTurn(ctx: RelayContext, tokenKey: string, sessionId: string): ErrorInfo | undefined {
  const refusal = refuseTurn(ctx, tokenKey, sessionId);
  if (refusal) ctx.observer.turnRefused(tokenKey, refusal.code);
  return refusal;
}

function refuseTurn(ctx: RelayContext, tokenKey: string, sessionId: string): ErrorInfo | undefined {
  if (!ctx.tracker.accepting()) return TurnErrors.shuttingDown();
  const slot = ctx.rateLimiter.take([
    { key: `token:${tokenKey}`, limit: ctx.limits.turnsPerMinute },
    { key: `session:${tokenKey}:${sessionId}`, limit: ctx.limits.turnsPerMinutePerSession },
  ]);
  if (!slot.ok) return TurnErrors.rateLimited(slot.limit, slot.retryAfterMs);
  return undefined;
}

export interface LaunchedTurn {
  controller: AbortController;
  done: Promise<TurnResult>;
}

export function launchTurn(
  ctx: RelayContext,
  transport: 'ws' | 'http',
  request: Omit<TurnRequest, 'signal'> & { tokenId: string },
): LaunchedTurn {
  const controller = new AbortController();
  const done = runTurn(ctx.services, ctx.defaults, { ...request, signal: controller.signal })
    .catch((error: unknown): TurnResult => {
      // runTurn converts upstream errors itself; reaching here is a relay bug, reported once.
      ctx.logger.error('turn crashed', { error: error instanceof Error ? error.stack : String(error) });
      if (!controller.signal.aborted) request.sink.error(TurnErrors.internal());
      return { sessionHash: request.session.hash, turnId: request.turnId, kind: request.input.kind, outcome: 'error', totalMs: 0, chunks: 0, error: 'INTERNAL' };
    })
    .then(async (result) => {
      const { answer: _answer, ...rest } = result;
      const record = { ...rest, tokenId: request.tokenId, transport };
      ctx.logger.turn(record);
      ctx.observer.turnEnded(record);
      await ctx.store.save(request.session).catch((error: unknown) => {
        // The answer was delivered; a store hiccup only costs history, which the log records.
        ctx.logger.error('session save failed', { error: String(error) });
      });
      return result;
    });
  ctx.tracker.track(controller, done);
  return { controller, done };
}
