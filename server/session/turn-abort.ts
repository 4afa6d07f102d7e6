// Why a turn stopped early, shared by the answer runner and the read-aloud runner.
import type { ErrorInfo } from '../../protocol/index.ts';
import type { TurnOutcome } from '../log.ts';
import { TurnErrors } from './turn-errors.ts';

/** Why a turn's AbortController fired; passed as the abort reason. */
export type TurnAbortReason = 'cancel' | 'disconnect' | 'shutdown' | 'slow-consumer';

export function isTurnAbortReason(value: unknown): value is TurnAbortReason {
  return value === 'cancel' || value === 'disconnect' || value === 'shutdown' || value === 'slow-consumer';
}

export const OUTCOME_BY_REASON: Record<TurnAbortReason, TurnOutcome> = {
  cancel: 'cancelled',
  disconnect: 'disconnected',
  'slow-consumer': 'disconnected',
  shutdown: 'shutdown',
};

/**
 * Settles a turn whose signal fired for one of the reasons above: the log record gets the outcome,
 * and the client hears of a cancel or a shutdown (disconnected and slow clients get nothing: their
 * socket is gone or being closed). False when the turn stopped for anything else, a failure to report.
 */
export function settleAbort(signal: AbortSignal, record: { outcome: TurnOutcome; error?: string }, sink: { error(info: ErrorInfo): void }): boolean {
  const reason: unknown = signal.reason;
  if (!signal.aborted || !isTurnAbortReason(reason)) return false;
  record.outcome = OUTCOME_BY_REASON[reason];
  record.error = reason;
  if (reason === 'cancel') sink.error(TurnErrors.cancelled());
  if (reason === 'shutdown') sink.error(TurnErrors.shuttingDown());
  return true;
}
