// @vitest-environment node
// The turn runner's per-delta path, through its one seam (TurnUpstream): every delta reaches the sink
// in order and the answer saved is their concatenation; no delta after the turn was cancelled; and a
// text turn without speech builds no combined abort signal (AbortSignal.any costs about 20 µs on Node
// 20.20, docs/reliability.md). The wire and the SDK: tests/integration/relay/.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createMemorySessionStore } from '../../../../server/session/memory-store.ts';
import type { SessionStore } from '../../../../server/session/session-store.ts';
import { runTurn, type TurnSink } from '../../../../server/session/turn-runner.ts';
import type { TurnUpstream } from '../../../../server/session/turn-services.ts';
import { TEST_TURN_DEFAULTS } from '../../../helpers/turn-defaults.ts';

const DEFAULTS = TEST_TURN_DEFAULTS;
const DELTAS = ['The ', 'capital ', 'is ', 'Paris', '. ', 'Ça ', 'va 👋'];

function upstream(afterDelta: (index: number) => void = () => undefined): TurnUpstream {
  return {
    transcribe: () => Promise.resolve(''),
    async *streamChat() {
      for (const [index, delta] of DELTAS.entries()) {
        yield delta;
        afterDelta(index);
      }
    },
    speak: () => Promise.resolve(new Uint8Array([1, 2, 3])),
  };
}

let store: SessionStore | undefined;
afterEach(async () => {
  vi.restoreAllMocks();
  await store?.close();
  store = undefined;
});

async function textTurn(options: { speech: boolean; upstream: TurnUpstream; controller?: AbortController }) {
  store = createMemorySessionStore({ ttlMs: 60_000, maxPerToken: 10, maxSessions: 10 });
  const chunks: string[] = [];
  const ends: number[] = [];
  const errors: string[] = [];
  const sink: TurnSink = {
    transcript: () => undefined,
    textChunk: (text) => chunks.push(text),
    textEnd: () => ends.push(1),
    speechAudio: () => undefined,
    error: (info) => errors.push(info.code),
  };
  const key = { tokenId: 't', clientId: 'c' };
  const record = await runTurn(
    { upstream: options.upstream, store, defaults: DEFAULTS },
    {
      session: { key, hash: 'h' },
      turnId: 1,
      input: { kind: 'text', text: 'What is the capital?' },
      speech: options.speech,
      signal: (options.controller ?? new AbortController()).signal,
      sink,
    },
  );
  return { record, chunks, ends, errors, saved: await store.load(key) };
}

describe('turn runner, text deltas', () => {
  it('passes every delta on in order and saves their concatenation as the answer', async () => {
    const { record, chunks, ends, saved } = await textTurn({ speech: false, upstream: upstream() });
    expect(chunks).toEqual(DELTAS);
    expect(ends).toEqual([1]);
    expect(record).toMatchObject({ outcome: 'ok', chunks: DELTAS.length, answer: DELTAS.join('') });
    expect(saved?.history.at(-1)).toMatchObject({ role: 'assistant', content: DELTAS.join('') });
  });

  it('passes nothing on after the turn was cancelled mid-answer', async () => {
    const controller = new AbortController();
    const up = upstream((index) => {
      if (index === 2) controller.abort('cancel');
    });
    const { record, chunks, errors } = await textTurn({ speech: false, upstream: up, controller });
    expect(chunks).toEqual(DELTAS.slice(0, 3));
    expect(errors).toEqual(['CANCELLED']);
    expect(record.outcome).toBe('cancelled');
  });

  it('combines abort signals only for a spoken answer', async () => {
    const any = vi.spyOn(AbortSignal, 'any');
    await textTurn({ speech: false, upstream: upstream() });
    expect(any).not.toHaveBeenCalled();
    const spoken = await textTurn({ speech: true, upstream: upstream() });
    expect(any).toHaveBeenCalledTimes(1);
    expect(spoken.record).toMatchObject({ outcome: 'ok', answer: DELTAS.join('') });
  });
});
