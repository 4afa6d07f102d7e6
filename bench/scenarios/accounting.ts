// Scenario: what usage accounting and Prometheus metrics add to a turn. In process, no sockets: the
// relay's own TurnObserver (metrics + usage recorder into the memory store) fed realistic turn
// records, then a /metrics render with a team's worth of token labels. A turn itself takes about a
// second of upstream latency, so this is the relay's whole added cost per turn.
import { performance } from 'node:perf_hooks';
import type { TurnLogRecord } from '../../server/log.ts';
import { createRelayMetrics } from '../../server/metrics/relay-metrics.ts';
import { combineObservers } from '../../server/session/turn-observer.ts';
import { createMemoryUsageStore } from '../../server/usage/memory-usage-store.ts';
import { createUsageRecorder } from '../../server/usage/usage-recorder.ts';
import { fmtMs } from '../lib/report.ts';
import type { Scenario } from '../lib/scenario.ts';
import { summarize } from '../lib/stats.ts';

const TOKENS = 50;
const TURNS = 200_000;
const RENDERS = 200;
/** Target: under 1/10,000 of a one-second turn. */
const TARGET_US_PER_TURN = 100;

function record(i: number): TurnLogRecord {
  const voice = i % 3 === 0;
  return {
    sessionHash: 'bench',
    tokenId: `token${String(i % TOKENS).padStart(11, '0')}`,
    turnId: i,
    kind: voice ? 'voice' : 'text',
    transport: 'ws',
    outcome: i % 50 === 0 ? 'error' : 'ok',
    ...(i % 50 === 0 ? { error: 'UPSTREAM_TIMEOUT', errorStage: 'chat' as const } : {}),
    ...(voice ? { sttMs: 310 + (i % 90), transcribedMs: 2000 + (i % 5000) } : {}),
    firstTokenMs: 320 + (i % 400),
    firstAudioMs: 870 + (i % 600),
    totalMs: 1500 + (i % 3000),
    chunks: 40,
    promptTokens: 300 + (i % 200),
    completionTokens: 40 + (i % 60),
    spokenChars: 180 + (i % 120),
  };
}

export const accounting: Scenario = {
  name: 'accounting',
  title: 'usage accounting and metrics per turn',
  async run(log) {
    const metrics = createRelayMetrics({ connections: () => 100, tokenLabel: (id) => id, processMetrics: false });
    const store = createMemoryUsageStore({ retentionDays: 90 });
    const observer = combineObservers([metrics.observer, createUsageRecorder(store, (error) => log(String(error)))], (error) => log(String(error)));
    const records = Array.from({ length: 1000 }, (_, i) => record(i));
    // Warm-up: every label combination exists before timing.
    for (const r of records) observer.turnEnded(r);
    const t0 = performance.now();
    for (let i = 0; i < TURNS; i++) observer.turnEnded(records[i % records.length] as TurnLogRecord);
    const usPerTurn = ((performance.now() - t0) * 1000) / TURNS;
    await new Promise((resolve) => setImmediate(resolve));
    const renders: number[] = [];
    let bytes = 0;
    for (let i = 0; i < RENDERS; i++) {
      const start = performance.now();
      bytes = (await metrics.render()).length;
      renders.push(performance.now() - start);
    }
    const render = summarize(renders);
    log(`  ${usPerTurn.toFixed(2)} µs per turn over ${TURNS} turns; /metrics ${bytes} bytes, p50 ${render.p50.toFixed(2)} ms`);
    store.close();
    return [
      {
        scenario: 'accounting',
        metric: `metrics + usage per turn (${TOKENS} tokens)`,
        parley: `${usPerTurn.toFixed(1)} µs`,
        target: `< ${TARGET_US_PER_TURN} µs`,
        pass: usPerTurn < TARGET_US_PER_TURN,
        data: { usPerTurn, turns: TURNS, tokens: TOKENS },
      },
      {
        scenario: 'accounting',
        metric: `GET /metrics render, p50 / p99 (${TOKENS} tokens)`,
        parley: `${fmtMs(render.p50, 2)} / ${fmtMs(render.p99, 2)}`,
        data: { ...render, bytes },
      },
    ];
  },
};
