// Scenario 1: relay overhead per text chunk. The fake stamps each delta right before writing it
// (its onDelta hook, same process and clock as the clients); a client stamps its arrival. Every
// delta is unique ("s<session>x<index> "), so arrival and departure pair up exactly. Parley and the
// naive relay run one after the other against the same fake at 1, 100 and 1000 sessions.
import { startFakeOpenAI, type FakeOpenAI } from '../../tests/fakes/fake-openai.ts';
import { openMany, openSession, type BenchClient } from '../lib/bench-client.ts';
import { sleep, wallNow } from '../lib/clock.ts';
import { REALISTIC } from '../lib/latencies.ts';
import { startNaive, startParley, type BenchRelay } from '../lib/relays.ts';
import { fmtMs, type Row } from '../lib/report.ts';
import type { Scenario } from '../lib/scenario.ts';
import { summarize, type Summary } from '../lib/stats.ts';

const LEVELS = [
  { sessions: 1, tokens: 300 },
  { sessions: 100, tokens: 100 },
  { sessions: 1000, tokens: 40 },
] as const;

/** The user's message names the run and session; the fake answers with that many unique tokens. */
export function answerFor(prompt: string): string {
  const match = /^bench (\S+) (\d+)$/.exec(prompt);
  if (!match) return 'unexpected prompt';
  const [, key, count] = match;
  return Array.from({ length: Number(count) }, (_, i) => `${key}x${i}`).join(' ');
}

export interface Measured {
  summary: Summary;
  lost: number;
  /** Turns that ended with an Error frame, by code (their remaining chunks count as lost). */
  errors: Record<string, number>;
  /** TextChunk frames that carried the measured deltas (fewer than the deltas when a relay merged some). */
  frames: number;
}

/** "", or " (STORE_UNAVAILABLE ×3, …)": why chunks were lost, for the log and the table. */
export function errorNote(measured: Measured): string {
  const parts = Object.entries(measured.errors).map(([code, count]) => `${code} ×${count}`);
  return parts.length === 0 ? '' : ` (turns ended with ${parts.join(', ')})`;
}

/** Tokens per session in the unmeasured warm-up round (see measure). */
const WARM_UP_TOKENS = 10;

/**
 * One round: `sessions` connections each ask one question of `tokens` tokens at the same moment;
 * returns every chunk's latency. Deltas of other rounds are left in `sent`.
 */
export async function round(sent: Map<string, number>, relay: BenchRelay, run: string, sessions: number, tokens: number): Promise<Measured> {
  const clients = await openMany(sessions, 50, (i) => openSession(relay, `${run}-${i}`));
  const samples: number[] = [];
  const errors: Record<string, number> = {};
  let frames = 0;
  const finished = clients.map(
    (client: BenchClient, i) =>
      new Promise<void>((resolve) => {
        const turnId = client.dialect === 'v1' ? 1 : 0;
        const timer = setTimeout(() => resolve(), 120_000);
        client.onFrame = (frame, at) => {
          if (frame.type === 'textChunk') {
            // A relay may send deltas that reached it together as one frame: each arrived with it.
            frames++;
            for (const key of frame.text.split(' ')) {
              const start = sent.get(key);
              if (start === undefined) continue;
              sent.delete(key);
              samples.push(at - start);
            }
          } else if (frame.type === 'textEnd' || frame.type === 'error') {
            if (frame.type === 'error') errors[frame.error.code] = (errors[frame.error.code] ?? 0) + 1;
            clearTimeout(timer);
            resolve();
          }
        };
        client.send({ type: 'userText', turnId, text: `bench ${run}s${i} ${tokens}` });
      }),
  );
  await Promise.all(finished);
  for (const client of clients) client.close();
  // Let the relay notice the closes before the next round.
  await sleep(500);
  return { summary: summarize(samples), lost: sessions * tokens - samples.length, errors, frames };
}

/**
 * Measures `sessions` streaming sessions on a relay that has already served that many: a relay is
 * a long-running process, and a fresh one runs its first turns' code cold (interpreted, then
 * compiled), which Parley, with far more code per turn than the naive relay, pays more for. The
 * warm-up round (WARM_UP_TOKENS per session, not measured) takes that out of the comparison.
 */
export async function measure(sent: Map<string, number>, relay: BenchRelay, run: string, sessions: number, tokens: number): Promise<Measured> {
  await warmUp(sent, relay, run, sessions);
  return round(sent, relay, run, sessions, tokens);
}

export async function warmUp(sent: Map<string, number>, relay: BenchRelay, run: string, sessions: number): Promise<void> {
  await round(sent, relay, `${run}w`, sessions, WARM_UP_TOKENS);
}

/** The fake every chunk-latency scenario uses: realistic pacing, tokens on a steady schedule per stream. */
export function startBenchFake(): Promise<FakeOpenAI> {
  return startFakeOpenAI({
    latency: REALISTIC,
    // Each stream keeps its own phase; chained timers would let one late timer merge streams into
    // lockstep bursts for the rest of the run, and p99 would measure how many merged (bench/README.md).
    steadyTokens: true,
    answer: (messages) => answerFor(messages.filter((m) => m.role === 'user').at(-1)?.content ?? ''),
  });
}

export const overhead: Scenario = {
  name: 'overhead',
  title: 'relay overhead per chunk',
  async run(log) {
    const fake = await startBenchFake();
    const sent = new Map<string, number>();
    fake.onDelta = (_id, text) => sent.set(text.trim(), wallNow());
    const rows: Row[] = [];
    try {
      for (const { sessions, tokens } of LEVELS) {
        const results: Partial<Record<'parley' | 'naive', Measured>> = {};
        for (const kind of ['naive', 'parley'] as const) {
          const relay = kind === 'parley' ? await startParley(fake) : await startNaive(fake);
          try {
            results[kind] = await measure(sent, relay, `${kind}${sessions}`, sessions, tokens);
          } finally {
            await relay.stop();
          }
          const r = results[kind];
          if (r) log(`  ${kind} @${sessions}: p50 ${r.summary.p50.toFixed(2)} p99 ${r.summary.p99.toFixed(2)} max ${r.summary.max.toFixed(2)} ms, ${r.summary.count} chunks in ${r.frames} frames, ${r.lost} lost${errorNote(r)}`);
        }
        const p = results.parley?.summary;
        const n = results.naive?.summary;
        if (!p || !n) continue;
        const ratio = p.p99 / n.p99;
        const scenario = `1 overhead @${sessions}`;
        const data = { parley: p, naive: n, lostParley: results.parley?.lost, lostNaive: results.naive?.lost };
        rows.push(
          { scenario, metric: 'chunk p50', parley: fmtMs(p.p50, 2), baseline: fmtMs(n.p50, 2), data },
          {
            scenario,
            metric: 'chunk p99',
            parley: fmtMs(p.p99, 2),
            baseline: fmtMs(n.p99, 2),
            ...(sessions === 1000 ? { target: '< 5 ms', pass: p.p99 < 5 } : {}),
          },
          { scenario, metric: 'chunk max', parley: fmtMs(p.max, 2), baseline: fmtMs(n.max, 2) },
          { scenario, metric: 'p99 ratio Parley/naive', parley: `${ratio.toFixed(2)}x`, target: '≤ 1.3x', pass: ratio <= 1.3 },
          {
            scenario,
            metric: 'chunks lost',
            parley: `${results.parley?.lost ?? 'n/a'}${results.parley ? errorNote(results.parley) : ''}`,
            baseline: String(results.naive?.lost ?? 'n/a'),
            target: '0',
            pass: results.parley?.lost === 0,
          },
        );
      }
    } finally {
      await fake.close();
    }
    return rows;
  },
};
