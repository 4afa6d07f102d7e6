// Allocations of another process, counted by V8's sampling heap profiler over the inspector
// protocol (the relay runs with --inspect=127.0.0.1:0). Objects that GC already collected are kept in
// the profile (includeObjectsCollectedBy*GC), so the sum is what was allocated, not what is alive:
// the figure GC pressure follows. --trace-gc's `allocated=` would count only up to the last GC.
import WebSocket from 'ws';

interface SamplingNode {
  callFrame: { functionName: string; url: string; lineNumber: number };
  selfSize: number;
  children: SamplingNode[];
}

export interface AllocationSummary {
  /** Bytes allocated on the V8 heap while sampling (an estimate; each sample stands for its interval). */
  bytes: number;
  /** The functions that allocated most, by self size. */
  top: Array<{ name: string; bytes: number }>;
}

export interface HeapSampler {
  start(): Promise<void>;
  stop(): Promise<AllocationSummary>;
  close(): void;
}

/** The inspector URL a process started with --inspect printed on stderr ("Debugger listening on ws://…"). */
export async function inspectorUrl(logs: readonly string[], timeoutMs = 10_000): Promise<string> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    for (const line of logs) {
      const match = /Debugger listening on (ws:\/\/\S+)/.exec(line);
      if (match?.[1]) return match[1];
    }
    if (Date.now() > until) throw new Error('no "Debugger listening" line from the relay');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

function shortName(frame: SamplingNode['callFrame']): string {
  const file = frame.url.replace(/^file:\/\/.*?\/(node_modules|server|protocol|bench)\//, '$1/');
  return frame.url === '' ? frame.functionName || '(native)' : `${frame.functionName || '(anonymous)'} ${file}:${frame.lineNumber + 1}`;
}

export async function connectHeapSampler(url: string, samplingInterval = 4096): Promise<HeapSampler> {
  const ws = new WebSocket(url, { perMessageDeflate: false, maxPayload: 512 * 1024 * 1024 });
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  let nextId = 1;
  const pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
  ws.on('message', (data: Buffer) => {
    const message = JSON.parse(data.toString('utf8')) as { id?: number; result?: unknown; error?: { message: string } };
    const waiter = message.id === undefined ? undefined : pending.get(message.id);
    if (!waiter || message.id === undefined) return;
    pending.delete(message.id);
    if (message.error) waiter.reject(new Error(message.error.message));
    else waiter.resolve(message.result);
  });
  const call = (method: string, params: Record<string, unknown> = {}) =>
    new Promise<unknown>((resolve, reject) => {
      const id = nextId++;
      pending.set(id, { resolve, reject });
      ws.send(JSON.stringify({ id, method, params }));
    });
  return {
    async start() {
      await call('HeapProfiler.enable');
      await call('HeapProfiler.startSampling', { samplingInterval, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true });
    },
    async stop() {
      const { profile } = (await call('HeapProfiler.stopSampling')) as { profile: { head: SamplingNode } };
      const byName = new Map<string, number>();
      let bytes = 0;
      const walk = (node: SamplingNode) => {
        bytes += node.selfSize;
        if (node.selfSize > 0) {
          const name = shortName(node.callFrame);
          byName.set(name, (byName.get(name) ?? 0) + node.selfSize);
        }
        for (const child of node.children) walk(child);
      };
      walk(profile.head);
      const top = [...byName].sort((a, b) => b[1] - a[1]).slice(0, 12).map(([name, size]) => ({ name, bytes: size }));
      return { bytes, top };
    },
    close: () => ws.terminate(),
  };
}
