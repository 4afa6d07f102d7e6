// A cluster worker for tests/integration/relay/cluster-metrics.test.ts: records TURNS turns in its own
// metrics, then answers {render: true} with what its /metrics would show.
import { createRelayMetrics } from '../../server/metrics/relay-metrics.ts';

const turns = Number(process.env.TURNS ?? '0');
const metrics = createRelayMetrics({ connections: () => 1, tokenLabel: () => 'alice', processMetrics: false });
for (let i = 0; i < turns; i++)
  metrics.observer.turnEnded({ sessionHash: 'h', tokenId: 'aaaaaaaaaaaaaaaa', turnId: i, kind: 'text', transport: 'ws', outcome: 'ok', totalMs: 1000, chunks: 1, promptTokens: 10 });

process.on('message', (message: unknown) => {
  if (typeof message !== 'object' || message === null || !('render' in message)) return;
  metrics.render().then(
    (text) => process.send?.({ rendered: text }),
    (error: unknown) => process.send?.({ rendered: `error: ${String(error)}` }),
  );
});
process.send?.({ ready: true });
