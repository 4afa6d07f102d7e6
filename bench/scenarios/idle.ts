// Scenario 3: idle capacity. 10,000 authenticated parley.v1 connections, each with a session and
// an app-level Ping every 20 s (the extension's MV3 keep-alive), held by two helper processes; the
// relay's protocol heartbeat runs at its default 30 s and the CPU window spans a whole interval.
// Memory per connection = (RSS after − RSS before) / N from /proc; CPU at rest over 10 s.
import { startFakeOpenAI } from '../../tests/fakes/fake-openai.ts';
import { spawnJsonChild, type JsonChild } from '../lib/child.ts';
import { sleep } from '../lib/clock.ts';
import { cpuShare, rssBytes } from '../lib/proc.ts';
import { startParley } from '../lib/relays.ts';
import { fmtKiB, fmtMiB, fmtPct, type Row } from '../lib/report.ts';
import type { Scenario } from '../lib/scenario.ts';

const CONNECTIONS = 10_000;
const HOLDERS = 2;
const HEARTBEAT_MS = 30_000;
const REST_WINDOW_MS = 30_000;

export const idle: Scenario = {
  name: 'idle',
  title: `${CONNECTIONS} idle connections`,
  async run(log) {
    const fake = await startFakeOpenAI();
    const relay = await startParley(fake, { PARLEY_HEARTBEAT_MS: String(HEARTBEAT_MS) });
    const holders: JsonChild[] = [];
    try {
      await sleep(2000);
      const before = rssBytes(relay.pid);
      const perHolder = CONNECTIONS / HOLDERS;
      const started = performance.now();
      for (let i = 0; i < HOLDERS; i++)
        holders.push(
          spawnJsonChild('bench/scenarios/idle-holder.ts', {
            HOLD_URL: relay.wsUrl,
            HOLD_TOKEN: relay.token ?? '',
            HOLD_COUNT: String(perHolder),
            HOLD_PREFIX: `idle${i}`,
          }),
        );
      const ready = await Promise.all(holders.map((h) => h.next('ready')));
      const opened = ready.reduce((sum, line) => sum + Number(line.ready), 0);
      const failed = ready.reduce((sum, line) => sum + Number(line.failed), 0);
      log(`  ${opened} connections open (${failed} failed) in ${((performance.now() - started) / 1000).toFixed(1)} s`);
      // Let handshake garbage be collected before measuring.
      await sleep(5000);
      const after = rssBytes(relay.pid);
      const perConnection = (after - before) / Math.max(1, opened);
      const cpu = await cpuShare(relay.pid, () => sleep(REST_WINDOW_MS));
      for (const h of holders) h.write('report');
      const stillOpen = (await Promise.all(holders.map((h) => h.next('open')))).reduce((sum, line) => sum + Number(line.open), 0);
      for (const h of holders) h.write('quiet');
      await Promise.all(holders.map((h) => h.next('quiet')));
      const heartbeatOnly = await cpuShare(relay.pid, () => sleep(REST_WINDOW_MS));
      log(`  RSS ${fmtMiB(before)} → ${fmtMiB(after)}, ${fmtKiB(perConnection)} per connection; CPU ${fmtPct(cpu.share)} of a core with client pings, ${fmtPct(heartbeatOnly.share)} with the heartbeat only; ${stillOpen} still open`);
      const scenario = `3 idle ${CONNECTIONS}`;
      return [
        { scenario, metric: 'connections held', parley: `${stillOpen} / ${CONNECTIONS}`, target: `${CONNECTIONS}`, pass: stillOpen === CONNECTIONS },
        { scenario, metric: 'relay RSS per connection', parley: fmtKiB(perConnection), target: '< 40 KiB', pass: perConnection < 40 * 1024, data: { before, after, opened } },
        { scenario, metric: `relay CPU at rest, clients ping every 20 s (${REST_WINDOW_MS / 1000} s)`, parley: fmtPct(cpu.share), target: '< 2 %', pass: cpu.share < 0.02, data: cpu },
        { scenario, metric: `relay CPU at rest, heartbeat only (${REST_WINDOW_MS / 1000} s)`, parley: fmtPct(heartbeatOnly.share), target: '< 2 %', pass: heartbeatOnly.share < 0.02, data: heartbeatOnly },
      ] satisfies Row[];
    } finally {
      await Promise.all(holders.map((h) => h.stop()));
      await relay.stop();
      await fake.close();
    }
  },
};
