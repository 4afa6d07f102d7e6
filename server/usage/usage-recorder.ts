// Turns' usage into the UsageStore: one increment per ended turn, keyed by token id and UTC day.
import type { TurnObserver } from '../session/turn-observer.ts';
import type { UsageStore } from './usage-store.ts';

/** `onError` gets store failures: accounting must never fail or delay a turn. */
export function createUsageRecorder(store: UsageStore, onError: (error: unknown) => void): TurnObserver {
  return {
    turnEnded(record) {
      store
        .add(record.tokenId, {
          turns: 1,
          promptTokens: record.promptTokens,
          completionTokens: record.completionTokens,
          transcribedMs: record.transcribedMs,
          spokenChars: record.spokenChars,
        })
        .catch(onError);
    },
    // A refused turn cost nothing upstream.
    turnRefused: () => undefined,
    speculationsWasted(tokenId, wasted) {
      if (wasted.transcribedMs > 0) store.add(tokenId, { transcribedMs: wasted.transcribedMs }).catch(onError);
    },
  };
}
