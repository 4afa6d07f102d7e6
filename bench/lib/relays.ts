// Starts the relays under test as separate processes: Parley (the real server/index.ts, limits
// raised because a benchmark is a measurement, not a product default) and the naive baseline.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { FakeOpenAI } from '../../tests/fakes/fake-openai.ts';
import { startRelay } from '../../tests/helpers/relay-process.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export interface BenchRelay {
  kind: 'parley' | 'naive';
  wsUrl: string;
  pid: number;
  /** Parley's client token; undefined for the naive relay, which has no auth. */
  token: string | undefined;
  logs: string[];
  stop(): Promise<void>;
}

/** Limits high enough that only the machine limits the benchmark. */
export const BENCH_LIMITS: Record<string, string> = {
  PARLEY_TURNS_PER_MINUTE: '1000000', PARLEY_TURNS_PER_MINUTE_PER_SESSION: '1000000',
  PARLEY_MAX_CONNECTIONS: '50000',
  PARLEY_MAX_SESSIONS: '50000',
  PARLEY_MAX_SESSIONS_PER_TOKEN: '50000',
  PARLEY_MAX_CONCURRENT_TURNS: '16',
  PARLEY_UPSTREAM_RETRIES: '0',
};

/** How a relay process is run: extra node flags, and a command that runs node (valgrind). */
export interface RelayLaunch {
  nodeArgs?: string[];
  wrapper?: string[];
}

/** Only where the fake listens is needed, so a fake in another process (fake-process.ts) will do. */
export async function startParley(fake: Pick<FakeOpenAI, 'baseURL' | 'apiKey'>, env: Record<string, string> = {}, launch: RelayLaunch = {}): Promise<BenchRelay> {
  const relay = await startRelay({ fake, env: { PARLEY_SPEECH: '0', ...BENCH_LIMITS, ...env }, ...launch, startTimeoutMs: launch.wrapper ? 300_000 : 20_000 });
  const pid = relay.process.pid;
  if (pid === undefined) throw new Error('relay has no pid');
  return {
    kind: 'parley',
    wsUrl: relay.wsUrl,
    pid,
    token: relay.token,
    logs: relay.logs,
    stop: async () => {
      await relay.dispose();
    },
  };
}

export function startNaive(fake: FakeOpenAI, options: { speech?: boolean } & RelayLaunch = {}): Promise<BenchRelay> {
  const command = [...(options.wrapper ?? []), process.execPath, ...(options.nodeArgs ?? []), '--import', 'tsx', 'bench/naive-relay.ts'];
  const child: ChildProcess = spawn(command[0] ?? process.execPath, command.slice(1), {
    cwd: ROOT,
    env: { PATH: process.env.PATH, OPENAI_BASE_URL: fake.baseURL, OPENAI_API_KEY: fake.apiKey, NAIVE_SPEECH: options.speech ? '1' : '0' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: string[] = [];
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`naive relay did not start:\n${logs.join('\n')}`)), options.wrapper ? 300_000 : 20_000);
    child.stderr?.setEncoding('utf8').on('data', (text: string) => logs.push(text));
    child.stdout?.setEncoding('utf8').on('data', (text: string) => {
      logs.push(text);
      const match = /"wsUrl":"([^"]+)"/.exec(text);
      if (match?.[1] === undefined || child.pid === undefined) return;
      clearTimeout(timer);
      resolve({
        kind: 'naive',
        wsUrl: match[1],
        pid: child.pid,
        token: undefined,
        logs,
        stop: async () => {
          child.kill('SIGKILL');
          await exited;
        },
      });
    });
    void exited.then(() => reject(new Error(`naive relay exited early:\n${logs.join('\n')}`)));
  });
}
