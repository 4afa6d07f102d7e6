// Under PARLEY_WORKERS one scrape lands on one worker; it must still report every worker's turns.
import cluster, { type Worker } from 'node:cluster';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { serveClusterMetrics } from '../../../server/metrics/cluster-metrics.ts';
import { sampleValue } from '../../helpers/prometheus-text.ts';

const workers: Worker[] = [];
let stopServing: (() => void) | undefined;

function fork(turns: number): Promise<Worker> {
  const worker = cluster.fork({ TURNS: String(turns) });
  workers.push(worker);
  return new Promise((resolve) => {
    worker.on('message', (message: unknown) => {
      if (typeof message === 'object' && message !== null && 'ready' in message) resolve(worker);
    });
  });
}

function render(worker: Worker): Promise<string> {
  return new Promise((resolve) => {
    const onMessage = (message: unknown) => {
      if (typeof message !== 'object' || message === null || !('rendered' in message)) return;
      worker.off('message', onMessage);
      resolve(String(message.rendered));
    };
    worker.on('message', onMessage);
    worker.send({ render: true });
  });
}

afterAll(() => {
  stopServing?.();
  for (const worker of workers) worker.kill();
});

describe('metrics across cluster workers', () => {
  it('renders only its own metrics when the primary does not serve aggregation (no hanging scrape)', async () => {
    cluster.setupPrimary({ exec: fileURLToPath(new URL('../../helpers/cluster-metrics-worker.ts', import.meta.url)), execArgv: ['--import', 'tsx'] });
    const alone = await fork(3);
    const text = await render(alone);
    expect(sampleValue(text, 'parley_token_turns_total', { token: 'alice' })).toBe(3);
    alone.kill();
  });

  it('sums every worker into the scrape one worker answers', async () => {
    cluster.setupPrimary({ exec: fileURLToPath(new URL('../../helpers/cluster-metrics-worker.ts', import.meta.url)), execArgv: ['--import', 'tsx'] });
    stopServing = serveClusterMetrics();
    const [first, second] = await Promise.all([fork(2), fork(5)]);
    if (!first || !second) throw new Error('workers did not start');
    for (const worker of [first, second]) {
      const text = await render(worker);
      expect(sampleValue(text, 'parley_token_turns_total', { token: 'alice' })).toBe(7);
      expect(sampleValue(text, 'parley_token_prompt_tokens_total', { token: 'alice' })).toBe(70);
      expect(sampleValue(text, 'parley_turn_seconds_count', { kind: 'text', outcome: 'ok' })).toBe(7);
      expect(sampleValue(text, 'parley_connections')).toBe(2);
    }
  });
});
