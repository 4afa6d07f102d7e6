// Why a turn stopped early, shared by the answer runner and the read-aloud runner.
import type { TurnOutcome } from '../log.ts';

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
