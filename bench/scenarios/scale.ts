// Scenario 7 (issue 10): what Redis costs, and what a second worker buys. Parley with the in-memory
// store against Parley with REDIS_URL (a redis-server started here, no persistence): per turn with an
// instant upstream (the store's share of a turn: two budget checks, two session read-and-writes),
// and per chunk at 100 streaming sessions (the chunk path never touches the store). Both as latency
// and as CPU time (relay and redis-server, from /proc), which a busy machine disturbs far less.
// Then 1,000 streaming sessions: the naive relay, Parley on Redis with PARLEY_WORKERS=1 and =2.
import { startFakeOpenAI, type FakeOpenAI } from '../../tests/fakes/fake-openai.ts';
import { startRedisServer } from '../../tests/helpers/redis-server.ts';
import { openMany, openSession } from '../lib/bench-client.ts';
import { childPids, cpuMs } from '../lib/proc.ts';
import { wallNow } from '../lib/clock.ts';
import { startNaive, startParley, type BenchRelay } from '../lib/relays.ts';
import { fmtMs, type Row } from '../lib/report.ts';
import type { Scenario } from '../lib/scenario.ts';
import { summarize, type Summary } from '../lib/stats.ts';
import { answerFor, errorNote, round, startBenchFake, warmUp, type Measured } from './overhead.ts';

const TURN_SESSIONS = 10;
const TURNS_EACH = 30;

/** CPU milliseconds `pids` used while `run` ran (a pid that is undefined counts 0). */
async function cpuDuring<T>(pids: Array<number | undefined>, run: () => Promise<T>): Promise<{ result: T; cpu: number[] }> {
  const read = () => pids.map((pid) => (pid === undefined ? 0 : cpuMs(pid)));
  const before = read();
  const result = await run();
  return { result, cpu: read().map((after, i) => after - (before[i] ?? 0)) };
}

/** Sequential turns on each of TURN_SESSIONS sessions at once; round trip from UserText to TextEnd. */
async function turnRoundTrips(relay: BenchRelay, run: string): Promise<Summary> {
  const clients = await openMany(TURN_SESSIONS, TURN_SESSIONS, (i) => openSession(relay, `${run}-${i}`));
  const samples: number[] = [];
  await Promise.all(
    clients.map(async (client, i) => {
      for (let turnId = 1; turnId <= TURNS_EACH; turnId++) {
        const started = wallNow();
        await new Promise<void>((resolve, reject) => {
          const timer = setTimeout(() => reject(new Error('turn timed out')), 30_000);
          client.onFrame = (frame, at) => {
            if (frame.type === 'error') reject(new Error(`${frame.error.code}: ${frame.error.message}`));
            if (frame.type !== 'textEnd') return;
            clearTimeout(timer);
            samples.push(at - started);
            resolve();
          };
          client.send({ type: 'userText', turnId, text: `bench ${run}s${i}t${turnId} 3` });
        });
      }
    }),
  );
  for (const client of clients) client.close();
  return summarize(samples);
}

async function withRelay<T>(start: () => Promise<BenchRelay>, use: (relay: BenchRelay) => Promise<T>): Promise<T> {
  const relay = await start();
  try {
    return await use(relay);
  } finally {
    await relay.stop();
  }
}

/**
 * Where the CPU went during a measured round, in µs per chunk delivered: who competes for the two
 * cores. 1,000 streams at a token every 30 ms ask for 33,333 chunks a second, so µs per chunk × 0.0333
 * is the cores a process needs to keep up (the round's wall time also holds connecting, so a share of
 * wall time would understate it).
 */
interface CpuPerChunk {
  /** This process: the 1,000 clients and the fake upstream. */
  bench: number;
  /** The relay's own process (the cluster primary with PARLEY_WORKERS). */
  relay: number;
  workers: number[];
  redis: number;
}

const SCALE_SESSIONS = 1000;
const SCALE_TOKENS = 40;

/** Warm-up, then the measured round of scenario 1 at 1,000 sessions, with each process's CPU per chunk during it. */
async function measureWithCpu(sent: Map<string, number>, relay: BenchRelay, run: string, redisPid: number | undefined): Promise<{ measured: Measured; cpu: CpuPerChunk }> {
  await warmUp(sent, relay, run, SCALE_SESSIONS);
  const workers = childPids(relay.pid);
  const pids = [relay.pid, redisPid, ...workers];
  const read = () => pids.map((pid) => (pid === undefined ? 0 : cpuMs(pid)));
  const before = read();
  const self = process.cpuUsage();
  const measured = await round(sent, relay, run, SCALE_SESSIONS, SCALE_TOKENS);
  const chunks = Math.max(1, measured.summary.count);
  const used = read().map((after, i) => ((after - (before[i] ?? 0)) * 1000) / chunks);
  const mine = process.cpuUsage(self);
  return {
    measured,
    cpu: { bench: (mine.user + mine.system) / chunks, relay: used[0] ?? 0, redis: used[1] ?? 0, workers: used.slice(2) },
  };
}

const fmtCpu = (cpu: CpuPerChunk) =>
  `bench (clients + fake) ${cpu.bench.toFixed(1)}, relay ${cpu.relay.toFixed(1)}${cpu.workers.length > 0 ? `, workers ${cpu.workers.map((w) => w.toFixed(1)).join(' / ')}` : ''}, redis-server ${cpu.redis.toFixed(1)} µs CPU per chunk`;

function chunkRows(scenario: string, label: string, measured: Measured, baseline: Measured, baselineLabel: string): Row[] {
  const p = measured.summary;
  const b = baseline.summary;
  return [
    { scenario, metric: `${label}: chunk p50 (baseline ${baselineLabel})`, parley: fmtMs(p.p50, 2), baseline: fmtMs(b.p50, 2), data: { measured: p, baseline: b } },
    { scenario, metric: `${label}: chunk p99 (baseline ${baselineLabel})`, parley: fmtMs(p.p99, 2), baseline: fmtMs(b.p99, 2) },
    { scenario, metric: `${label}: chunks lost`, parley: `${measured.lost}${errorNote(measured)}`, target: '0', pass: measured.lost === 0 },
  ];
}

export const scale: Scenario = {
  name: 'scale',
  title: 'memory vs Redis store, 1 vs 2 workers',
  async run(log) {
    const redis = await startRedisServer();
    const instant: FakeOpenAI = await startFakeOpenAI({
      latency: { firstTokenMs: 0, perTokenMs: 0, sttMs: 0, ttsMs: 0 },
      answer: (messages) => answerFor(messages.filter((m) => m.role === 'user').at(-1)?.content ?? ''),
    });
    const fake = await startBenchFake();
    const sent = new Map<string, number>();
    fake.onDelta = (_id, text) => sent.set(text.trim(), wallNow());
    const onRedis = { REDIS_URL: redis.url };
    const rows: Row[] = [];
    try {
      // Per turn: memory, then Redis, against an upstream that answers at once.
      const turns = TURN_SESSIONS * TURNS_EACH;
      const memoryTurns = await withRelay(() => startParley(instant), (relay) => cpuDuring([relay.pid], () => turnRoundTrips(relay, 'turn-memory')));
      const redisTurns = await withRelay(() => startParley(instant, onRedis), (relay) =>
        cpuDuring([relay.pid, redis.pid()], () => turnRoundTrips(relay, 'turn-redis')),
      );
      const m = memoryTurns.result;
      const r = redisTurns.result;
      const cpuPerTurn = (cpu: number | undefined) => (cpu ?? 0) / turns;
      log(`  per turn: memory p50 ${m.p50.toFixed(2)} ms, ${cpuPerTurn(memoryTurns.cpu[0]).toFixed(3)} ms CPU; redis p50 ${r.p50.toFixed(2)} ms, ${cpuPerTurn(redisTurns.cpu[0]).toFixed(3)} ms CPU (+ ${cpuPerTurn(redisTurns.cpu[1]).toFixed(3)} ms in redis-server)`);
      const perTurn = '7 store per turn';
      rows.push(
        { scenario: perTurn, metric: 'turn round trip p50, Redis (baseline memory)', parley: fmtMs(r.p50, 2), baseline: fmtMs(m.p50, 2), data: { redis: redisTurns, memory: memoryTurns, turns } },
        { scenario: perTurn, metric: 'turn round trip p99, Redis (baseline memory)', parley: fmtMs(r.p99, 2), baseline: fmtMs(m.p99, 2) },
        { scenario: perTurn, metric: 'relay CPU per turn, Redis (baseline memory)', parley: fmtMs(cpuPerTurn(redisTurns.cpu[0]), 3), baseline: fmtMs(cpuPerTurn(memoryTurns.cpu[0]), 3) },
        { scenario: perTurn, metric: 'redis-server CPU per turn', parley: fmtMs(cpuPerTurn(redisTurns.cpu[1]), 3) },
      );

      // Per chunk at 100 streaming sessions.
      const chunks = 100 * 100;
      // CPU of the measured round only: the warm-up's turns would count twice per chunk.
      const measured100 = (run: string) => async (relay: BenchRelay) => {
        await warmUp(sent, relay, run, 100);
        return cpuDuring([relay.pid], () => round(sent, relay, run, 100, 100));
      };
      const memory100 = await withRelay(() => startParley(fake), measured100('chunk-memory'));
      const redis100 = await withRelay(() => startParley(fake, onRedis), measured100('chunk-redis'));
      const cpuPerChunk = (cpu: number | undefined) => ((cpu ?? 0) * 1000) / chunks;
      log(`  per chunk @100: memory p99 ${memory100.result.summary.p99.toFixed(2)} ms, redis p99 ${redis100.result.summary.p99.toFixed(2)} ms`);
      rows.push(...chunkRows('7 store per chunk @100', 'Redis', redis100.result, memory100.result, 'memory'));
      rows.push({
        scenario: '7 store per chunk @100',
        metric: 'relay CPU per chunk (whole run / chunks), Redis (baseline memory)',
        parley: `${cpuPerChunk(redis100.cpu[0]).toFixed(1)} µs`,
        baseline: `${cpuPerChunk(memory100.cpu[0]).toFixed(1)} µs`,
      });

      // 1,000 streaming sessions: naive, one worker, two workers (both on Redis, as workers require).
      const naiveRun = await withRelay(() => startNaive(fake), (relay) => measureWithCpu(sent, relay, 'w-naive', undefined));
      const naive = naiveRun.measured;
      log(`  @1000 naive: p99 ${naive.summary.p99.toFixed(2)} ms, ${naive.frames} frames; ${fmtCpu(naiveRun.cpu)}`);
      const oneRun = await withRelay(() => startParley(fake, onRedis), (relay) => measureWithCpu(sent, relay, 'w-one', redis.pid()));
      const one = oneRun.measured;
      log(`  @1000 PARLEY_WORKERS=1: p99 ${one.summary.p99.toFixed(2)} ms, ${one.frames} frames; ${fmtCpu(oneRun.cpu)}`);
      const twoRun = await withRelay(() => startParley(fake, { ...onRedis, PARLEY_WORKERS: '2' }), (relay) => measureWithCpu(sent, relay, 'w-two', redis.pid()));
      const two = twoRun.measured;
      log(`  @1000 PARLEY_WORKERS=2: p99 ${two.summary.p99.toFixed(2)} ms, ${two.frames} frames; ${fmtCpu(twoRun.cpu)}`);
      const workers = '7 workers @1000';
      rows.push(...chunkRows(workers, 'PARLEY_WORKERS=1', one, naive, 'naive'));
      rows.push(...chunkRows(workers, 'PARLEY_WORKERS=2', two, naive, 'naive'));
      rows.push({
        scenario: workers,
        metric: 'p99 ratio PARLEY_WORKERS=2 / naive',
        parley: `${(two.summary.p99 / naive.summary.p99).toFixed(2)}x`,
        target: '< 1x',
        pass: two.summary.p99 < naive.summary.p99,
      });
      for (const [label, run] of [['naive', naiveRun], ['PARLEY_WORKERS=1', oneRun], ['PARLEY_WORKERS=2', twoRun]] as const)
        rows.push({ scenario: workers, metric: `CPU per chunk by process, ${label}`, parley: fmtCpu(run.cpu), data: { ...run.cpu } });
    } finally {
      await Promise.all([instant.close(), fake.close()]);
      await redis.dispose();
    }
    return rows;
  },
};
