// PARLEY_WORKERS=N: the primary process forks N workers that each run the whole relay on the same
// ports (node:cluster hands new connections to workers in turn, WebSocket upgrades included). State
// lives in Redis (config refuses N > 1 without REDIS_URL), so any worker can serve any client. The
// primary owns no sockets: it prints the one `listening` line, replaces a worker that dies, and on
// SIGTERM/SIGINT lets every worker drain its turns before it exits.
import cluster, { type Worker } from 'node:cluster';
import type { Logger } from './log.ts';
import { serveClusterMetrics } from './metrics/cluster-metrics.ts';

export interface ListeningMessage {
  type: 'listening';
  wsUrl: string;
  httpUrl: string;
  wsPort: number;
  httpPort: number;
}

export function isListeningMessage(value: unknown): value is ListeningMessage {
  return typeof value === 'object' && value !== null && 'type' in value && value.type === 'listening';
}

/** A worker that dies sooner than this after its start counts as a crash loop. */
const CRASH_WINDOW_MS = 5000;
const MAX_QUICK_CRASHES = 5;

export interface PrimaryOptions {
  workers: number;
  logger: Logger;
  /** Called once, when every worker listens. */
  onListening(urls: ListeningMessage): void;
}

export function runPrimary(options: PrimaryOptions): void {
  const { logger } = options;
  const started = new Map<Worker, number>();
  const listening = new Set<Worker>();
  let announced = false;
  let stopping = false;
  let quickCrashes = 0;

  const fork = () => {
    const worker = cluster.fork();
    started.set(worker, Date.now());
    worker.on('message', (message: unknown) => {
      if (!isListeningMessage(message)) return;
      listening.add(worker);
      if (!announced && listening.size === options.workers) {
        announced = true;
        options.onListening(message);
      }
    });
  };

  cluster.on('exit', (worker, code, signal) => {
    const lived = Date.now() - (started.get(worker) ?? 0);
    started.delete(worker);
    listening.delete(worker);
    if (stopping) {
      if (started.size === 0) {
        logger.info('stopped', { workers: options.workers });
        process.exit(0);
      }
      return;
    }
    logger.error('worker died', { pid: worker.process.pid, code, signal, livedMs: lived });
    quickCrashes = lived < CRASH_WINDOW_MS ? quickCrashes + 1 : 0;
    if (quickCrashes >= MAX_QUICK_CRASHES) {
      logger.error('workers keep dying at start; giving up', { crashes: quickCrashes });
      process.exit(1);
    }
    fork();
  });

  const stop = (signal: NodeJS.Signals) => {
    if (stopping) process.exit(1); // A second Ctrl-C means "now".
    stopping = true;
    logger.info('shutting down', { signal, workers: started.size });
    // Each worker drains its own turns (PARLEY_SHUTDOWN_GRACE_MS) and exits; the last exit ends us.
    for (const worker of started.keys()) worker.process.kill('SIGTERM');
    if (started.size === 0) process.exit(0);
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);

  // Before the first fork: workers learn from their environment that /metrics can ask us.
  serveClusterMetrics();
  for (let i = 0; i < options.workers; i++) fork();
}
