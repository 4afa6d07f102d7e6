// Scenario 8 (issue 10): where one relay process spends its CPU at 1,000 streaming sessions (the
// load of scenario 1 at 1,000). The relay runs with `node --cpu-prof`, stops with SIGTERM so V8
// writes the profile, and the busiest functions and origins (by self time) become rows. The
// .cpuprofile stays in bench/results/ for Chrome DevTools (Performance → Load profile).
import { mkdirSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { startRelay } from '../../tests/helpers/relay-process.ts';
import { wallNow } from '../lib/clock.ts';
import { summarizeProfile } from '../lib/cpu-profile.ts';
import { BENCH_LIMITS, type BenchRelay } from '../lib/relays.ts';
import { fmtPct, RESULTS_DIR, type Row } from '../lib/report.ts';
import type { Scenario } from '../lib/scenario.ts';
import { measure, startBenchFake } from './overhead.ts';

export const profile: Scenario = {
  name: 'profile',
  title: 'CPU profile of one relay at 1,000 streaming sessions',
  async run(log) {
    const dir = join(RESULTS_DIR, `profile-${Date.now()}`);
    mkdirSync(dir, { recursive: true });
    const fake = await startBenchFake();
    const sent = new Map<string, number>();
    fake.onDelta = (_id, text) => sent.set(text.trim(), wallNow());
    try {
      const relay = await startRelay({
        fake,
        env: { PARLEY_SPEECH: '0', ...BENCH_LIMITS },
        nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${dir}`],
      });
      const bench: BenchRelay = { kind: 'parley', wsUrl: relay.wsUrl, pid: relay.process.pid ?? 0, token: relay.token, logs: relay.logs, stop: async () => undefined };
      try {
        const measured = await measure(sent, bench, 'profiled', 1000, 40);
        log(`  profiled run: chunk p50 ${measured.summary.p50.toFixed(2)} p99 ${measured.summary.p99.toFixed(2)} ms, ${measured.lost} lost`);
      } finally {
        // SIGTERM, not SIGKILL: V8 writes the profile on a normal exit.
        await relay.stop('SIGTERM');
        await relay.dispose();
      }
      const file = readdirSync(dir).find((name) => name.endsWith('.cpuprofile'));
      if (file === undefined) throw new Error(`no .cpuprofile written in ${dir}`);
      const target = join(RESULTS_DIR, 'relay-1000-sessions.cpuprofile');
      renameSync(join(dir, file), target);
      rmSync(dir, { recursive: true, force: true });
      const summary = summarizeProfile(target);
      log(`  profile: ${summary.busyMs.toFixed(0)} ms busy of ${summary.totalMs.toFixed(0)} ms sampled; written to ${target}`);
      for (const frame of summary.origins) log(`    ${fmtPct(frame.share).padStart(8)}  ${frame.name}`);
      for (const frame of summary.functions) log(`    ${fmtPct(frame.share).padStart(8)}  ${frame.name}`);
      const scenario = '8 profile @1000';
      return [
        { scenario, metric: 'busy / sampled', parley: `${summary.busyMs.toFixed(0)} ms / ${summary.totalMs.toFixed(0)} ms` },
        ...summary.origins.slice(0, 8).map((frame): Row => ({ scenario, metric: `self time: ${frame.name}`, parley: fmtPct(frame.share) })),
        ...summary.functions.slice(0, 10).map((frame): Row => ({ scenario, metric: `self time: ${frame.name}`, parley: fmtPct(frame.share) })),
      ];
    } finally {
      await fake.close();
    }
  },
};
