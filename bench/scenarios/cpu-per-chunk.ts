// Scenario 14 (issue 10): CPU and allocations per streamed chunk, counted rather than timed, so a
// busy machine barely moves them. Fixed workloads (sessions each streaming answers of unique deltas,
// their starts spread over one token interval and paced slowly enough that the relay keeps up) run
// through the naive relay and Parley, each started twice:
//  - under `valgrind --tool=callgrind` with instrumentation off (10 sessions, deltas 200 ms apart:
//    valgrind runs the relay ~50x slower); after two unmeasured rounds, `callgrind_control -i on`
//    and one dump per round, alternating 50- and 5-delta answers. Every relay thread is counted; V8's
//    compilers (30-70 % of a round, falling round by round as the relay warms up) and the GC are split off
//    (bench/lib/callgrind.ts), and the two lengths separate per-delta from per-turn work;
//  - with --inspect (1,000 sessions × 40 deltas, 200 ms apart: the live heap of scenario 1's top
//    level); V8's sampling heap profiler brackets one round and counts the bytes allocated on the
//    heap, collected ones included (bench/lib/heap-sampler.ts).
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { startFakeOpenAI, type FakeOpenAI } from '../../tests/fakes/fake-openai.ts';
import { openMany, openSession, type BenchClient } from '../lib/bench-client.ts';
import { sleep } from '../lib/clock.ts';
import { splitInstructions, steadyCost, type CountedRound } from '../lib/callgrind.ts';
import { connectHeapSampler, inspectorUrl, type AllocationSummary } from '../lib/heap-sampler.ts';
import { startNaive, startParley, type BenchRelay, type RelayLaunch } from '../lib/relays.ts';
import { RESULTS_DIR, type Row } from '../lib/report.ts';
import type { Scenario } from '../lib/scenario.ts';
import { answerFor } from './overhead.ts';

interface Workload {
  sessions: number;
  tokens: number;
  perTokenMs: number;
}
/** Under callgrind the relay runs ~50x slower: 10 streams at 200 ms a token leave it idle between deltas. */
const COUNTED: Workload = { sessions: 10, tokens: 50, perTokenMs: 200 };
/** The same with short answers: the difference separates each turn's own work from each delta's. */
const COUNTED_SHORT: Workload = { ...COUNTED, tokens: 5 };
const SAMPLED: Workload = { sessions: 1000, tokens: 40, perTokenMs: 200 };

type Kind = 'naive' | 'parley';

const start = (kind: Kind, fake: FakeOpenAI, launch: RelayLaunch) => (kind === 'parley' ? startParley(fake, {}, launch) : startNaive(fake, launch));

/**
 * Every session asks for `work.tokens` deltas, their starts spread evenly over one token interval so
 * the streams never burst together (a relay that falls behind reads several events at once, which
 * changes the work per delta); resolves when every answer ended. Returns chunks received.
 */
async function streamOnce(clients: BenchClient[], run: string, work: Workload, turnId: number): Promise<number> {
  if (clients.length !== work.sessions) throw new Error(`${run}: ${clients.length} clients for ${work.sessions} sessions`);
  let chunks = 0;
  await Promise.all(
    clients.map(
      (client, i) =>
        new Promise<void>((resolve, reject) => {
          const timer = setTimeout(() => reject(new Error(`${run}: answer ${i} did not end`)), 600_000);
          client.onFrame = (frame) => {
            if (frame.type === 'textChunk') chunks++;
            if (frame.type === 'error') reject(new Error(`${run}: ${frame.error.code}`));
            if (frame.type !== 'textEnd') return;
            clearTimeout(timer);
            resolve();
          };
          const ask = () => client.send({ type: 'userText', turnId: client.dialect === 'v1' ? turnId : 0, text: `bench ${run}t${turnId}s${i} ${work.tokens}` });
          setTimeout(ask, (i / clients.length) * work.perTokenMs);
        }),
    ),
  );
  // The turn's log line and metrics run in setImmediate after TextEnd: let them land in the window.
  await sleep(300);
  return chunks;
}

/** Two warm-up rounds on their own sessions, then `measure` brackets the measured rounds (turn 1, 2, …). */
async function measuredRounds<T>(
  relay: BenchRelay,
  run: string,
  work: Workload,
  measure: (round: (turnId: number, tokens?: number) => Promise<number>) => Promise<T>,
): Promise<T> {
  const warm = await openMany(work.sessions, 50, (i) => openSession(relay, `${run}w-${i}`));
  for (const turnId of [1, 2]) await streamOnce(warm, `${run}w`, work, turnId);
  const clients = await openMany(work.sessions, 50, (i) => openSession(relay, `${run}-${i}`));
  try {
    return await measure((turnId, tokens = work.tokens) => streamOnce(clients, run, { ...work, tokens }, turnId));
  } finally {
    for (const client of [...warm, ...clients]) client.close();
  }
}

/** Counted rounds per relay and answer length, alternating long and short. */
const COUNTED_ROUNDS = 4;

/** Instructions the relay executed per chunk in each counted round, and the chunks that arrived in all. */
async function instructions(kind: Kind, fake: FakeOpenAI, dir: string): Promise<{ rounds: CountedRound[]; chunks: number }> {
  const wrapper = ['valgrind', '--tool=callgrind', '--instr-atstart=no', `--callgrind-out-file=${join(dir, `${kind}.%p`)}`];
  const relay = await start(kind, fake, { wrapper });
  const control = (...args: string[]) => execFileSync('callgrind_control', [...args, String(relay.pid)], { stdio: 'ignore' });
  try {
    fake.setLatency({ perTokenMs: COUNTED.perTokenMs });
    return await measuredRounds(relay, `cg-${kind}`, COUNTED, async (round) => {
      let chunks = 0;
      const lengths: number[] = [];
      control('-i', 'on');
      // Each dump holds the counts since the previous one: one file per round.
      for (let i = 0; i < COUNTED_ROUNDS * 2; i++) {
        const tokens = i % 2 === 0 ? COUNTED.tokens : COUNTED_SHORT.tokens;
        lengths.push(tokens);
        chunks += await round(i + 1, tokens);
        control('-d');
      }
      control('-i', 'off');
      const rounds = lengths.map((tokens, i): CountedRound => {
        const split = splitInstructions(join(dir, `${kind}.${relay.pid}.${i + 1}`));
        const perChunk = (n: number) => n / (COUNTED.sessions * tokens);
        return { tokens, total: perChunk(split.total), compiler: perChunk(split.compiler), gc: perChunk(split.gc) };
      });
      return { rounds, chunks };
    });
  } finally {
    await relay.stop();
  }
}

async function allocations(kind: Kind, fake: FakeOpenAI): Promise<AllocationSummary & { chunks: number }> {
  const relay = await start(kind, fake, { nodeArgs: ['--inspect=127.0.0.1:0'] });
  const sampler = await connectHeapSampler(await inspectorUrl(relay.logs));
  try {
    fake.setLatency({ perTokenMs: SAMPLED.perTokenMs });
    return await measuredRounds(relay, `hp-${kind}`, SAMPLED, async (round) => {
      await sampler.start();
      const chunks = await round(1);
      return { ...(await sampler.stop()), chunks };
    });
  } finally {
    sampler.close();
    await relay.stop();
  }
}

export const cpuPerChunk: Scenario = {
  name: 'cpu-per-chunk',
  title: 'instructions and heap allocations per streamed chunk (counted, not timed)',
  async run(log) {
    const dir = join(RESULTS_DIR, `callgrind-${Date.now()}`);
    mkdirSync(dir, { recursive: true });
    const fake = await startFakeOpenAI({
      latency: { firstTokenMs: 50, perTokenMs: COUNTED.perTokenMs, sttMs: 0, ttsMs: 0 },
      steadyTokens: true,
      answer: (messages) => answerFor(messages.filter((m) => m.role === 'user').at(-1)?.content ?? ''),
    });
    type Result = ReturnType<typeof steadyCost> & { rounds: CountedRound[]; bytes: number; top: AllocationSummary['top'] };
    const results: Partial<Record<Kind, Result>> = {};
    try {
      for (const kind of ['naive', 'parley'] as const) {
        const counted = await instructions(kind, fake, dir);
        const sampled = await allocations(kind, fake);
        const countedChunks = COUNTED.sessions * (COUNTED.tokens + COUNTED_SHORT.tokens) * COUNTED_ROUNDS;
        const sampledChunks = SAMPLED.sessions * SAMPLED.tokens;
        // Every chunk must arrive: a lost one would make the per-chunk figures look cheaper.
        if (counted.chunks !== countedChunks || sampled.chunks !== sampledChunks)
          throw new Error(`${kind}: ${counted.chunks} of ${countedChunks} / ${sampled.chunks} of ${sampledChunks} chunks arrived`);
        const steady = steadyCost(counted.rounds, COUNTED.tokens, COUNTED_SHORT.tokens);
        results[kind] = { ...steady, rounds: counted.rounds, bytes: sampled.bytes / sampledChunks, top: sampled.top };
        const k = (n: number) => (n / 1000).toFixed(1);
        for (const r of counted.rounds) log(`    ${kind} round of ${r.tokens}: ${k(r.total)} k per chunk, compilers ${k(r.compiler)} k, GC ${k(r.gc)} k`);
        log(`  ${kind}: steady ${k(steady.long)} k instructions per chunk at ${COUNTED.tokens} a turn (${k(steady.perDelta)} k per delta + ${k(steady.perTurn)} k per turn), ${(sampled.bytes / sampledChunks).toFixed(0)} B allocated per chunk`);
        for (const site of sampled.top) log(`      ${(site.bytes / sampledChunks).toFixed(0).padStart(6)} B/chunk  ${site.name}`);
      }
    } finally {
      await fake.close();
      // PARLEY_BENCH_KEEP_CALLGRIND=1 keeps the dumps for callgrind_annotate (where the instructions went).
      if (process.env.PARLEY_BENCH_KEEP_CALLGRIND === '1') log(`  callgrind dumps kept in ${dir}`);
      else rmSync(dir, { recursive: true, force: true });
    }
    const p = results.parley;
    const n = results.naive;
    if (!p || !n) return [];
    const scenario = '14 cpu per chunk';
    const k = (value: number) => `${(value / 1000).toFixed(1)} k`;
    const ratio = (a: number, b: number) => `${(a / b).toFixed(2)}x`;
    const rows: Row[] = [
      {
        scenario,
        metric: `steady instructions per chunk, ${COUNTED.tokens} a turn (callgrind, all but V8's compilers and GC, median of ${COUNTED_ROUNDS} rounds)`,
        parley: k(p.long),
        baseline: k(n.long),
        data: { parley: p, naive: n, counted: COUNTED, short: COUNTED_SHORT, sampled: SAMPLED },
      },
      { scenario, metric: 'steady instructions ratio Parley/naive', parley: ratio(p.long, n.long) },
      { scenario, metric: `instructions per delta (from ${COUNTED.tokens}- and ${COUNTED_SHORT.tokens}-delta turns)`, parley: k(p.perDelta), baseline: k(n.perDelta) },
      { scenario, metric: 'instructions per turn (the same two lengths)', parley: k(p.perTurn), baseline: k(n.perTurn) },
      { scenario, metric: `GC instructions per chunk, ${COUNTED.tokens} a turn (median round)`, parley: k(p.gc), baseline: k(n.gc) },
      { scenario, metric: `heap bytes allocated per chunk (sampling profiler, ${SAMPLED.sessions}×${SAMPLED.tokens})`, parley: `${p.bytes.toFixed(0)} B`, baseline: `${n.bytes.toFixed(0)} B` },
      { scenario, metric: 'allocation ratio Parley/naive', parley: ratio(p.bytes, n.bytes) },
    ];
    return rows;
  },
};
