// Long fuzz (npm run test:reliability): 120,000 seeded hostile frames against a live relay while
// a well-behaved client keeps doing turns; then the relay must be alive, its logs clean, and its
// memory on a plateau: a second round of 60,000 frames must not grow it much further.
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CloseCode } from '../../protocol/index.ts';
import { rssBytes } from '../../bench/lib/proc.ts';
import { startFakeOpenAI, type FakeOpenAI } from '../fakes/fake-openai.ts';
import { startRelay, type RelayProcess } from '../helpers/relay-process.ts';
import { recordFigures } from './support/figures.ts';
import { relayProblems, runFuzz, runGoodClient } from './support/fuzz-run.ts';

const FRAMES = 120_000;
const MAX_FRAME_BYTES = 65_536;
const MIB = 2 ** 20;
const answerFor = (question: string) => `Answer to: ${question}`;
let fake: FakeOpenAI;
let relay: RelayProcess;

beforeAll(async () => {
  fake = await startFakeOpenAI({ answer: (messages) => answerFor(messages.filter((m) => m.role === 'user').at(-1)?.content ?? '') });
  relay = await startRelay({
    fake,
    env: { PARLEY_MAX_FRAME_BYTES: String(MAX_FRAME_BYTES), PARLEY_SPEECH: '0', PARLEY_TURNS_PER_MINUTE: '1000000', PARLEY_TURNS_PER_MINUTE_PER_SESSION: '1000000', PARLEY_UPSTREAM_RETRIES: '0', PARLEY_AUTH_MAX_FAILURES: '1000000' },
  });
});
afterAll(async () => {
  await relay?.dispose();
  await fake?.close();
});

describe('fuzz (long)', () => {
  it(`survives ${FRAMES} + ${FRAMES / 2} hostile frames with memory on a plateau`, async () => {
    const pid = relay.process.pid ?? 0;
    // Warm up (JIT, first sessions) so the baseline is a running relay, not a cold one.
    await runFuzz({ relay, frames: 2000, seed: 1, maxFrameBytes: MAX_FRAME_BYTES });
    await sleep(3000);
    const rssBefore = rssBytes(pid);

    let done!: () => void;
    const fuzzDone = new Promise<void>((resolve) => (done = resolve));
    const good = runGoodClient(relay, answerFor, fuzzDone);
    const started = performance.now();
    const stats = await runFuzz({ relay, frames: FRAMES, seed: 0xfa11, maxFrameBytes: MAX_FRAME_BYTES, unauthEvery: 25 }).finally(done);
    const seconds = (performance.now() - started) / 1000;
    const behaved = await good;
    const rssPeak = rssBytes(pid);
    // No way to force GC in another process: give it idle time and measure the plateau.
    await sleep(10_000);
    const rssAfter = rssBytes(pid);
    // A leak grows with every frame; a heap that merely expanded does not grow again on a second round.
    const second = await runFuzz({ relay, frames: FRAMES / 2, seed: 0xfa12, maxFrameBytes: MAX_FRAME_BYTES });
    await sleep(10_000);
    const rssAfterSecond = rssBytes(pid);

    recordFigures('fuzz', {
      frames: stats.sent,
      seconds: Math.round(seconds),
      byKind: stats.byKind,
      closes: stats.closes,
      connections: stats.connections,
      framesReceived: stats.framesReceived,
      unauthAttempts: stats.unauthAttempts,
      goodTurns: behaved.turns,
      goodWrong: behaved.wrong.length,
      rssBeforeMiB: +(rssBefore / MIB).toFixed(1),
      rssEndOfFuzzMiB: +(rssPeak / MIB).toFixed(1),
      rssAfter10sMiB: +(rssAfter / MIB).toFixed(1),
      secondRoundFrames: second.sent,
      rssAfterSecondRoundMiB: +(rssAfterSecond / MIB).toFixed(1),
    });
    expect(stats.sent).toBe(FRAMES);
    expect(relay.process.exitCode).toBeNull();
    expect(relayProblems(relay)).toEqual([]);
    expect(Object.keys(stats.closes).every((code) => code === String(CloseCode.TooBig))).toBe(true);
    expect(stats.unauthCloses).toEqual({ [String(CloseCode.Unauthorized)]: stats.unauthAttempts });
    expect(stats.unauthFramesReceived).toBe(0);
    expect(behaved.turns).toBeGreaterThan(10);
    expect(behaved.wrong).toEqual([]);
    expect(second.sent).toBe(FRAMES / 2);
    expect(relay.process.exitCode).toBeNull();
    expect(rssAfter - rssBefore).toBeLessThan(100 * MIB);
    // The plateau: another 60,000 frames add little on top of the first round.
    expect(rssAfterSecond - rssAfter).toBeLessThan(20 * MIB);
  });
});
