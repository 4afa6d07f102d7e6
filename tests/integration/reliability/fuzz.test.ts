// Fast fuzz (part of `npm test`): 20,000 seeded hostile frames against a live relay while a
// well-behaved client keeps doing turns. The long run (100,000+) is tests/reliability/fuzz.test.ts.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CloseCode } from '../../../protocol/index.ts';
import { startFakeOpenAI, type FakeOpenAI } from '../../fakes/fake-openai.ts';
import { startRelay, type RelayProcess } from '../../helpers/relay-process.ts';
import { relayProblems, runFuzz, runGoodClient } from '../../reliability/support/fuzz-run.ts';

const MAX_FRAME_BYTES = 65_536;
const answerFor = (question: string) => `Answer to: ${question}`;
let fake: FakeOpenAI;
let relay: RelayProcess;

beforeAll(async () => {
  fake = await startFakeOpenAI({ answer: (messages) => answerFor(messages.filter((m) => m.role === 'user').at(-1)?.content ?? '') });
  relay = await startRelay({
    fake,
    env: {
      PARLEY_MAX_FRAME_BYTES: String(MAX_FRAME_BYTES),
      PARLEY_SPEECH: '0',
      // The fuzzer's valid frames start real turns; one token is shared, so its budget must not starve the good client.
      PARLEY_TURNS_PER_MINUTE: '100000', PARLEY_TURNS_PER_MINUTE_PER_SESSION: '100000',
      PARLEY_UPSTREAM_RETRIES: '0',
      // Intruders share the good client's loopback address; the auth throttle has its own tests
      // (auth-throttle), here it would only lock the good client out.
      PARLEY_AUTH_MAX_FAILURES: '1000000',
    },
  });
});
afterAll(async () => {
  await relay?.dispose();
  await fake?.close();
});

describe('fuzz (fast)', () => {
  it('survives 20,000 seeded hostile frames while a good client completes every turn', async () => {
    let done!: () => void;
    const fuzzDone = new Promise<void>((resolve) => (done = resolve));
    const good = runGoodClient(relay, answerFor, fuzzDone);
    const stats = await runFuzz({ relay, frames: 20_000, seed: 0x5eed, maxFrameBytes: MAX_FRAME_BYTES, unauthEvery: 20 }).finally(done);
    const behaved = await good;

    expect(stats.sent).toBe(20_000);
    expect(relay.process.exitCode).toBeNull();
    expect(relayProblems(relay)).toEqual([]);
    // The relay closes a fuzz connection only for an oversized frame, with 1009.
    expect(Object.keys(stats.closes).every((code) => code === String(CloseCode.TooBig))).toBe(true);
    expect(stats.unauthAttempts).toBeGreaterThan(0);
    expect(stats.unauthCloses).toEqual({ [String(CloseCode.Unauthorized)]: stats.unauthAttempts });
    expect(stats.unauthFramesReceived).toBe(0);
    expect(behaved.turns).toBeGreaterThan(0);
    expect(behaved.wrong).toEqual([]);
    // Usually ~5 s alone; generous because `npm test` runs integration files side by side on 2 cores.
  }, 60_000);
});
