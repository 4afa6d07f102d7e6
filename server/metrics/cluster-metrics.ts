// /metrics under PARLEY_WORKERS: node:cluster hands each scrape to one worker, which alone would show
// only its own share. The worker asks the primary over IPC; the primary gathers every worker's
// registry with prom-client's AggregatorRegistry (counters and histograms summed) and answers.
import cluster from 'node:cluster';
import { AggregatorRegistry, type Registry } from 'prom-client';

/** Set by a primary that serves aggregation; workers inherit it, so one never waits on a primary that does not. */
const ENV_FLAG = 'PARLEY_CLUSTER_METRICS';
const REQUEST = 'parley:metrics-request';
const RESPONSE = 'parley:metrics-response';
/** prom-client's own wait for workers is 5 s; a scrape should not hang longer than that. */
const TIMEOUT_MS = 6000;

interface MetricsRequest {
  type: typeof REQUEST;
  id: number;
}
interface MetricsResponse {
  type: typeof RESPONSE;
  id: number;
  text?: string;
  error?: string;
}

const isRequest = (value: unknown): value is MetricsRequest =>
  typeof value === 'object' && value !== null && 'type' in value && value.type === REQUEST && 'id' in value && typeof value.id === 'number';
const isResponse = (value: unknown): value is MetricsResponse =>
  typeof value === 'object' && value !== null && 'type' in value && value.type === RESPONSE && 'id' in value && typeof value.id === 'number';

/** In the primary, before forking: answers workers' requests for the whole cluster's metrics. Returns a remover. */
export function serveClusterMetrics(): () => void {
  process.env[ENV_FLAG] = '1';
  const aggregator = new AggregatorRegistry();
  const onMessage = (worker: { send(message: MetricsResponse): boolean }, message: unknown) => {
    if (!isRequest(message)) return;
    aggregator.clusterMetrics().then(
      (text) => worker.send({ type: RESPONSE, id: message.id, text }),
      (error: unknown) => worker.send({ type: RESPONSE, id: message.id, error: error instanceof Error ? error.message : String(error) }),
    );
  };
  cluster.on('message', onMessage);
  return () => {
    cluster.off('message', onMessage);
    delete process.env[ENV_FLAG];
  };
}

/**
 * In a worker: offers `registry` to the primary's aggregation and returns the function that renders
 * the whole cluster's metrics. Undefined outside a cluster worker, or when the primary does not serve
 * aggregation (render the registry directly).
 */
export function clusterMetricsRenderer(registry: Registry): (() => Promise<string>) | undefined {
  if (!cluster.isWorker || !process.send || process.env[ENV_FLAG] !== '1') return undefined;
  // Constructing one installs prom-client's listener that answers the primary's collection requests.
  new AggregatorRegistry();
  AggregatorRegistry.setRegistries([registry]);
  let next = 0;
  const pending = new Map<number, { resolve(text: string): void; reject(error: Error): void; timer: NodeJS.Timeout }>();
  process.on('message', (message: unknown) => {
    if (!isResponse(message)) return;
    const waiter = pending.get(message.id);
    if (!waiter) return;
    pending.delete(message.id);
    clearTimeout(waiter.timer);
    if (message.text !== undefined) waiter.resolve(message.text);
    else waiter.reject(new Error(`cluster metrics failed: ${message.error ?? 'no answer'}`));
  });
  return () =>
    new Promise<string>((resolve, reject) => {
      const id = next++;
      const timer = setTimeout(() => {
        pending.delete(id);
        reject(new Error('cluster metrics: the primary did not answer'));
      }, TIMEOUT_MS);
      pending.set(id, { resolve, reject, timer });
      process.send?.({ type: REQUEST, id } satisfies MetricsRequest);
    });
}
