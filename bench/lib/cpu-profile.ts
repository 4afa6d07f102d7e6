// Reads a V8 .cpuprofile (node --cpu-prof) and sums self time per function and per origin
// (a package under node_modules, Node's internals, this repository's files, GC, idle).
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}

interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface Frame {
  name: string;
  selfMs: number;
  share: number;
}

export interface ProfileSummary {
  totalMs: number;
  /** Busy time: everything but (idle). */
  busyMs: number;
  functions: Frame[];
  origins: Frame[];
}

function origin(url: string, name: string): string {
  if (url === '') return name.startsWith('(') ? name : '(native)';
  // The only WebAssembly in the relay is undici's HTTP parser (llhttp).
  if (url.startsWith('wasm://')) return 'undici (fetch inside Node)';
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url)?.[1];
  if (pkg) return pkg;
  // Node's fetch (undici, which the openai SDK uses) is bundled inside Node: name it, not "internals".
  if (url.startsWith('node:internal/deps/undici')) return 'undici (fetch inside Node)';
  if (url.startsWith('node:internal/modules')) return 'node module loader (tsx, start-up)';
  if (url.startsWith('node:internal/streams') || url.startsWith('node:stream')) return 'node streams';
  if (url.startsWith('node:')) return /^node:(?:internal\/)?([^/]+)/.exec(url)?.[0] ?? 'node internals';
  const repo = /\/(server|protocol|tests|bench)\//.exec(url)?.[1];
  return repo ? `parley ${repo}/` : url;
}

function shortUrl(url: string): string {
  return url.replace(/^file:\/\/.*?\/(node_modules|server|protocol)\//, '$1/').replace(/^node:/, 'node:');
}

export function summarizeProfile(path: string, top = 15): ProfileSummary {
  const profile = JSON.parse(readFileSync(path, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const selfUs = new Map<number, number>();
  profile.samples.forEach((id, i) => selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
  const functions = new Map<string, number>();
  const origins = new Map<string, number>();
  let totalUs = 0;
  let idleUs = 0;
  for (const [id, us] of selfUs) {
    const node = byId.get(id);
    if (!node) continue;
    totalUs += us;
    const { functionName, url, lineNumber } = node.callFrame;
    const name = functionName || '(anonymous)';
    if (name === '(idle)') idleUs += us;
    const key = url ? `${name} ${shortUrl(url)}:${lineNumber + 1}` : name;
    functions.set(key, (functions.get(key) ?? 0) + us);
    const from = origin(url, name);
    origins.set(from, (origins.get(from) ?? 0) + us);
  }
  const busyUs = totalUs - idleUs;
  const rank = (map: Map<string, number>) =>
    [...map]
      .filter(([name]) => name !== '(idle)')
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, us]) => ({ name, selfMs: us / 1000, share: busyUs > 0 ? us / busyUs : 0 }));
  return { totalMs: totalUs / 1000, busyMs: busyUs / 1000, functions: rank(functions), origins: rank(origins) };
}
