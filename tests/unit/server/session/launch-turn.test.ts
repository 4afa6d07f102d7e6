import { describe, expect, it } from 'vitest';
import type { AudioBudget } from '../../../../server/session/audio-budget.ts';
import { admitTurn } from '../../../../server/session/launch-turn.ts';
import { StoreUnavailableError } from '../../../../server/session/store-error.ts';
import { testRelayContext } from '../../../helpers/relay-context.ts';

const key = { tokenId: 'tok', clientId: 'c' };

/** An audio budget whose store is away: every read rejects, and reads are counted. */
function unreachableBudget(): AudioBudget & { reads: number } {
  const budget = {
    reads: 0,
    remaining() {
      budget.reads++;
      return Promise.reject(new StoreUnavailableError('audio budget read'));
    },
    spend: () => Promise.resolve(),
    renewsInMs: () => 1000,
  };
  return budget;
}

const context = (audioBudget: AudioBudget) => testRelayContext({ audioBudget });

describe('admitTurn and the audio budget', () => {
  it('does not read the audio budget for a turn without audio', async () => {
    const budget = unreachableBudget();
    const ctx = context(budget);
    expect(await admitTurn(ctx, key, { kind: 'text', text: 'hello' })).toBeUndefined();
    expect(await admitTurn(ctx, key, { kind: 'speak', text: 'read this' })).toBeUndefined();
    expect(budget.reads).toBe(0);
  });

  it('reads it for a voice turn: refused over budget, a store outage is a clear error', async () => {
    const away = unreachableBudget();
    const refusal = await admitTurn(context(away), key, { kind: 'voice', audio: new Uint8Array(10), mimeType: 'audio/webm' });
    expect(away.reads).toBe(1);
    expect(refusal?.code).toBe('STORE_UNAVAILABLE');
    const full: AudioBudget = { remaining: () => Promise.resolve(5), spend: () => Promise.resolve(), renewsInMs: () => 1000 };
    const over = await admitTurn(context(full), key, { kind: 'voice', audio: new Uint8Array(10), mimeType: 'audio/webm' });
    expect(over?.code).toBe('AUDIO_BUDGET_EXCEEDED');
  });
});
