// What the rest of the relay learns about turns: metrics and usage accounting listen here, so the
// session layer never imports prom-client or a usage store and stays testable with a plain object.
import type { ErrorCode } from '../../protocol/index.ts';
import type { TurnLogRecord } from '../log.ts';

export interface TurnObserver {
  /** Once per launched turn, with the same record that becomes its log line. Must not throw. */
  turnEnded(record: TurnLogRecord): void;
  /** A turn refused before it started (rate limit, shutdown). */
  turnRefused(tokenId: string, code: ErrorCode): void;
  /**
   * Speculative transcriptions of a recording dropped before it became a turn (cancel, idle, close):
   * `requests` went upstream, `transcribedMs` of audio among them, billed or not. Must not throw.
   */
  speculationsWasted(tokenId: string, wasted: { requests: number; transcribedMs: number }): void;
}

export const noTurnObserver: TurnObserver = {
  turnEnded: () => undefined,
  turnRefused: () => undefined,
  speculationsWasted: () => undefined,
};

/** One observer that tells several; one failing observer does not stop the others. */
export function combineObservers(observers: readonly TurnObserver[], onError: (error: unknown) => void): TurnObserver {
  const each = (call: (observer: TurnObserver) => void) => {
    for (const observer of observers) {
      try {
        call(observer);
      } catch (error) {
        onError(error);
      }
    }
  };
  return {
    turnEnded: (record) => each((observer) => observer.turnEnded(record)),
    turnRefused: (tokenId, code) => each((observer) => observer.turnRefused(tokenId, code)),
    speculationsWasted: (tokenId, wasted) => each((observer) => observer.speculationsWasted(tokenId, wasted)),
  };
}
