// A recording's speculative transcriptions (server/session/speculations.ts): superseding, the cap,
// AudioEnd's match, what is counted, and the turn's use of the matching one.
import { describe, expect, it } from 'vitest';
import { createRecordingSpeculations, useSpeculation, type Transcriber } from '../../../../server/session/speculations.ts';

/** Transcriptions the test settles by hand; each remembers its audio and whether it was aborted. */
function scripted() {
  const calls: Array<{ audio: Uint8Array; signal: AbortSignal; answer: (text: string) => void; fail: () => void }> = [];
  const transcribe: Transcriber = (audio, signal) =>
    new Promise((resolve, reject) => {
      calls.push({ audio, signal, answer: (text) => resolve({ text, transcribedMs: audio.byteLength }), fail: () => reject(new Error('500')) });
      signal.addEventListener('abort', () => reject(new Error('aborted')), { once: true });
    });
  return { calls, transcribe };
}
const audio = (bytes: number) => new Uint8Array(bytes);

describe('recording speculations', () => {
  it('a later pause aborts the earlier one; AudioEnd naming the latest gets it', async () => {
    const { calls, transcribe } = scripted();
    const speculations = createRecordingSpeculations(3, transcribe);
    expect(speculations.start(2, audio(20))).toBe(true);
    expect(speculations.start(3, audio(30))).toBe(true);
    expect(calls.map((c) => c.signal.aborted)).toEqual([true, false]);
    const outcome = speculations.settle(3);
    // The superseded prefix is not webm, so its length is unknown: counted as 0 ms.
    expect(outcome).toMatchObject({ requests: 2, wastedMs: 0, wastedBytes: 20 });
    calls[1]?.answer('Hello there.');
    expect(await outcome.match?.result).toEqual({ text: 'Hello there.', transcribedMs: 30 });
  });

  it('AudioEnd naming an older pause, or none, aborts the running one and matches nothing', () => {
    for (const pause of [2, undefined]) {
      const { calls, transcribe } = scripted();
      const speculations = createRecordingSpeculations(3, transcribe);
      speculations.start(2, audio(20));
      speculations.start(3, audio(30));
      const outcome = speculations.settle(pause);
      expect(outcome.match).toBeUndefined();
      expect(outcome.requests).toBe(2);
      expect(outcome.wastedBytes).toBe(50);
      expect(calls.every((c) => c.signal.aborted)).toBe(true);
    }
  });

  it('starts at most `max` requests; a failed one settles as undefined, never as an error', async () => {
    const { calls, transcribe } = scripted();
    const speculations = createRecordingSpeculations(1, transcribe);
    expect(speculations.start(1, audio(10))).toBe(true);
    expect(speculations.start(2, audio(20))).toBe(false);
    expect(calls).toHaveLength(1);
    const outcome = speculations.settle(1);
    calls[0]?.fail();
    await expect(outcome.match?.result).resolves.toBeUndefined();
  });

  it('abort() stops whatever runs (the recording was dropped)', () => {
    const { calls, transcribe } = scripted();
    const speculations = createRecordingSpeculations(3, transcribe);
    speculations.start(1, audio(10));
    speculations.start(2, audio(20));
    expect(speculations.abort()).toEqual({ requests: 2, wastedMs: 0, wastedBytes: 30 });
    expect(calls[1]?.signal.aborted).toBe(true);
  });
});

describe('useSpeculation', () => {
  const match = (result: Promise<{ text: string; transcribedMs: number | undefined } | undefined>) => {
    const state = { aborted: false };
    return { state, outcome: { requests: 2, wastedMs: 500, wastedBytes: 0, match: { result, audioMs: 900, abort: () => (state.aborted = true) } } };
  };

  it('uses the transcript and counts every request\'s audio', async () => {
    const record = {};
    const { outcome } = match(Promise.resolve({ text: 'Hi.', transcribedMs: 1000 }));
    expect(await useSpeculation(outcome, new AbortController().signal, record)).toEqual({ text: 'Hi.', transcribedMs: 1000 });
    expect(record).toEqual({ sttSpeculations: 2, sttSpeculationUsed: true, transcribedMs: 500 });
  });

  it('falls back (undefined) when the speculation failed or heard nothing, counting its audio', async () => {
    for (const result of [undefined, { text: '', transcribedMs: 700 }]) {
      const record: { transcribedMs?: number } = {};
      const { outcome } = match(Promise.resolve(result));
      expect(await useSpeculation(outcome, new AbortController().signal, record)).toBeUndefined();
      expect(record.transcribedMs).toBe(500 + (result?.transcribedMs ?? 900));
    }
  });

  it('aborts the speculation when the turn is cancelled while it runs', async () => {
    const controller = new AbortController();
    let settle: (value: undefined) => void = () => undefined;
    const { state, outcome } = match(new Promise((resolve) => (settle = resolve)));
    const pending = useSpeculation(outcome, controller.signal, {});
    controller.abort('cancel');
    expect(state.aborted).toBe(true);
    settle(undefined);
    await expect(pending).rejects.toBe('cancel');
  });
});
