// Admission (shutdown, rate limit) and launching of a turn, shared by the WebSocket and HTTP paths.
import type { ErrorInfo } from '../../protocol/index.ts';
import type { RelayContext } from './relay-context.ts';
import type { SessionKey } from './session-store.ts';
import { toTurnErrorInfo, TurnErrors } from './turn-errors.ts';
import { runTurn, type TurnRequest, type TurnResult } from './turn-runner.ts';

/**
 * Undefined when the turn may start; takes a slot from the token's budget and from the session's
 * share of it, so one flooding session cannot spend every other session's turns. The budgets are
 * keyed by token id and client id, so they hold across instances sharing Redis.
 */
export async function admitTurn(ctx: RelayContext, key: SessionKey): Promise<ErrorInfo | undefined> {
  const refusal = await refuseTurn(ctx, key);
  // Metrics count refusals by code.
  if (refusal) ctx.observer.turnRefused(key.tokenId, refusal.code);
  return refusal;
}

async function refuseTurn(ctx: RelayContext, key: SessionKey): Promise<ErrorInfo | undefined> {
  if (!ctx.tracker.accepting()) return TurnErrors.shuttingDown();
  try {
    const slot = await ctx.rateLimiter.take([
      { key: `token:${key.tokenId}`, limit: ctx.limits.turnsPerMinute },
      { key: `session:${key.tokenId}:${key.clientId}`, limit: ctx.limits.turnsPerMinutePerSession },
    ]);
    if (!slot.ok) return TurnErrors.rateLimited(slot.limit, slot.retryAfterMs);
  } catch (error) {
    ctx.logger.warn('rate limiter unavailable', { error: String(error) });
    return toTurnErrorInfo(error, 'chat');
  }
  return undefined;
}

export interface LaunchedTurn {
  controller: AbortController;
  done: Promise<TurnResult>;
}

export function launchTurn(
  ctx: RelayContext,
  transport: 'ws' | 'http',
  request: Omit<TurnRequest, 'signal'>,
): LaunchedTurn {
  const controller = new AbortController();
  const done = runTurn(ctx, { ...request, signal: controller.signal })
    .catch((error: unknown): TurnResult => {
      // runTurn converts upstream and store errors itself; reaching here is a relay bug, reported once.
      ctx.logger.error('turn crashed', { error: error instanceof Error ? error.stack : String(error) });
      if (!controller.signal.aborted) request.sink.error(TurnErrors.internal());
      return { sessionHash: request.session.hash, turnId: request.turnId, kind: request.input.kind, outcome: 'error', totalMs: 0, chunks: 0, error: 'INTERNAL' };
    })
    .then((result) => {
      const { answer: _answer, ...rest } = result;
      const record = { ...rest, tokenId: request.session.key.tokenId, transport };
      ctx.logger.turn(record);
      ctx.observer.turnEnded(record);
      return result;
    });
  ctx.tracker.track(controller, done);
  return { controller, done };
}
