// `npx tsx bench/session-writes.ts [TREE]`: the memory store's two writes per text turn
// (recordQuestion with its in-flight marker, recordAnswer removing it), timed in this process, from
// TREE's server/ (a checkout of another commit; default this one), so a change to the store can be
// compared with the code before it (docs/reliability.md, "Counted per turn"). Cold: the first turns of
// a fresh process, where V8 still runs the per-turn code in its lower tiers; warm: 100 sessions of a
// given history length after thousands of turns. With CALLGRIND_DIR set it counts instructions per
// cold turn instead of timing (V8's compilers and GC split off as in scenario 14):
//   valgrind --tool=callgrind --instr-atstart=no --callgrind-out-file=$DIR/cg.%p \
//     node --import tsx bench/session-writes.ts [TREE]   (with CALLGRIND_DIR=$DIR)
import { execFile } from 'node:child_process';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { splitInstructions } from './lib/callgrind.ts';

type MemoryStoreModule = typeof import('../server/session/memory-store.ts');
type SessionOpsModule = typeof import('../server/session/session-ops.ts');
type InFlightModule = typeof import('../server/session/turns-in-flight.ts');

const tree = resolve(process.argv[2] ?? fileURLToPath(new URL('..', import.meta.url)));
const load = <T>(path: string) => import(join(tree, path)) as Promise<T>;
const { createMemorySessionStore } = await load<MemoryStoreModule>('server/session/memory-store.ts');
const { recordQuestion, recordAnswer } = await load<SessionOpsModule>('server/session/session-ops.ts');
const { createLocalTurnsInFlight, newMarker } = await load<InFlightModule>('server/session/turns-in-flight.ts');

const OPTIONS = { maxTurns: 20, systemPrompt: 'You are a helpful voice assistant. Answer briefly.' };
const ANSWER = 'An answer of a few sentences, as a model would give it. '.repeat(6);
const inFlight = createLocalTurnsInFlight();
const newStore = () => createMemorySessionStore({ maxSessions: 100_000, maxPerToken: 100_000, ttlMs: 3_600_000 });
type Store = ReturnType<typeof newStore>;

let asked = 0;
async function turn(store: Store, clientId: string): Promise<void> {
  const key = { tokenId: 'bench', clientId };
  const question = `question number ${asked++} about something ordinary`;
  const marker = newMarker(inFlight, asked);
  await recordQuestion(store, key, question, OPTIONS, undefined, marker);
  await recordAnswer(store, key, question, ANSWER, OPTIONS.maxTurns, marker.id);
}

/** Measures one segment: wall time, or callgrind's instructions when CALLGRIND=1. */
async function segmentMeter(): Promise<(run: () => Promise<number>) => Promise<string>> {
  const dir = process.env.CALLGRIND_DIR;
  if (dir === undefined) {
    return async (run) => {
      const started = process.hrtime.bigint();
      const turns = await run();
      return `${(Number(process.hrtime.bigint() - started) / 1000 / turns).toFixed(2)} µs`;
    };
  }
  // Asynchronous on purpose: valgrind answers callgrind_control while this process's thread runs.
  const control = (...args: string[]) => promisify(execFile)('callgrind_control', [...args, String(process.pid)]);
  await control('-i', 'on');
  let dumps = 0;
  return async (run) => {
    await control('-z');
    const turns = await run();
    await control('-d');
    const split = splitInstructions(join(dir, `cg.${process.pid}.${++dumps}`));
    return `${((split.total - split.compiler - split.gc) / turns / 1000).toFixed(0)} k instructions (compilers ${(split.compiler / turns / 1000).toFixed(0)} k)`;
  };
}

const measure = await segmentMeter();
const lines: string[] = [`session writes per turn, server/ from ${tree}`];

// Cold: scenario 14's shape (10 sessions of 8 turns, then fresh ones) from the process's first turn.
const cold = newStore();
let done = 0;
for (const upTo of [100, 1000, 5000]) {
  const from = done;
  const figure = await measure(async () => {
    for (let t = from; t < upTo; t++) await turn(cold, `cold-${Math.floor(t / 80)}-${t % 10}`);
    return upTo - from;
  });
  lines.push(`  turns ${from + 1}-${upTo}: ${figure}`);
  done = upTo;
}
await cold.close();

// Warm: 100 sessions holding `exchanges - 1` exchanges each; the timed turn is the `exchanges`-th.
if (process.env.CALLGRIND_DIR === undefined) {
  for (const exchanges of [1, 5, 20]) {
    const samples: number[] = [];
    for (let rep = 0; rep < 30; rep++) {
      const store = newStore();
      const ids = Array.from({ length: 100 }, (_, i) => `warm-${i}`);
      for (let e = 1; e < exchanges; e++) for (const id of ids) await turn(store, id);
      const started = process.hrtime.bigint();
      for (const id of ids) await turn(store, id);
      samples.push(Number(process.hrtime.bigint() - started) / 1000 / ids.length);
      await store.close();
    }
    samples.sort((a, b) => a - b);
    lines.push(`  warm, ${exchanges} exchange(s): ${(samples[15] ?? 0).toFixed(2)} µs (median of 30 × 100 sessions)`);
  }
}
console.log(lines.join('\n'));
