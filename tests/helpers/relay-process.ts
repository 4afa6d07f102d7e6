// Starts the real relay (`node --import tsx server/index.ts`) as a child process for integration,
// E2E and benchmark runs: temp config dir, ephemeral ports, every output line kept for assertions.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FakeOpenAI } from '../fakes/fake-openai.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export interface RelayProcess {
  readonly wsUrl: string;
  readonly httpUrl: string;
  readonly token: string;
  readonly configDir: string;
  /** Every stdout and stderr line of every run (restarts append). */
  readonly logs: string[];
  readonly process: ChildProcess;
  /** Parsed JSON stdout lines (the relay's structured log). */
  jsonLogs(): Array<Record<string, unknown>>;
  /** Sends a signal (default SIGTERM) and waits for exit. */
  stop(signal?: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Stops (if running) and starts again on the same ports with the same env and config dir. */
  restart(): Promise<void>;
  /** Stops and removes the temp config dir. */
  dispose(): Promise<void>;
}

export interface StartRelayOptions {
  /** Extra or overriding environment variables. */
  env?: Record<string, string>;
  /** Points OPENAI_BASE_URL / OPENAI_API_KEY at this fake. */
  fake?: Pick<FakeOpenAI, 'baseURL' | 'apiKey'>;
  /** Milliseconds to wait for the "listening" line (default 20 s). */
  startTimeoutMs?: number;
  /** Extra node flags before the script, e.g. --cpu-prof (not allowed in NODE_OPTIONS). */
  nodeArgs?: string[];
  /** A command that runs node, e.g. ['valgrind', '--tool=callgrind'] (bench/scenarios/cpu-per-chunk.ts). */
  wrapper?: string[];
}

interface Running {
  child: ChildProcess;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

function launch(
  env: NodeJS.ProcessEnv,
  logs: string[],
  timeoutMs: number,
  nodeArgs: readonly string[],
  wrapper: readonly string[],
): Promise<Running & { listening: Record<string, unknown> }> {
  const command = [...wrapper, process.execPath, ...nodeArgs, '--import', 'tsx', 'server/index.ts'];
  const child = spawn(command[0] ?? process.execPath, command.slice(1), { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`relay did not start within ${timeoutMs} ms:\n${logs.join('\n')}`));
    }, timeoutMs);
    const collect = (stream: NodeJS.ReadableStream, onLine?: (line: string) => void) => {
      let buffered = '';
      stream.setEncoding('utf8');
      stream.on('data', (chunk: string) => {
        buffered += chunk;
        const lines = buffered.split('\n');
        buffered = lines.pop() ?? '';
        for (const line of lines) {
          logs.push(line);
          onLine?.(line);
        }
      });
      stream.on('end', () => {
        if (buffered !== '') logs.push(buffered);
      });
    };
    collect(child.stdout as NodeJS.ReadableStream, (line) => {
      if (!line.startsWith('{')) return;
      let parsed: unknown;
      try {
        parsed = JSON.parse(line);
      } catch {
        // Not a log line; kept in logs anyway.
        return;
      }
      if (typeof parsed === 'object' && parsed !== null && 'msg' in parsed && parsed.msg === 'listening') {
        clearTimeout(timer);
        resolve({ child, exited, listening: parsed as Record<string, unknown> });
      }
    });
    collect(child.stderr as NodeJS.ReadableStream);
    void exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`relay exited (code ${code}, signal ${signal}) before listening:\n${logs.join('\n')}`));
    });
  });
}

export async function startRelay(options: StartRelayOptions = {}): Promise<RelayProcess> {
  const configDir = await mkdtemp(join(tmpdir(), 'parley-relay-'));
  const logs: string[] = [];
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    PARLEY_CONFIG_DIR: configDir,
    PARLEY_HOST: '127.0.0.1',
    PARLEY_HTTP_PORT: '0',
    PARLEY_WS_PORT: '0',
    ...(options.fake ? { OPENAI_BASE_URL: options.fake.baseURL, OPENAI_API_KEY: options.fake.apiKey } : {}),
    ...options.env,
  };
  const timeoutMs = options.startTimeoutMs ?? 20_000;
  const nodeArgs = options.nodeArgs ?? [];
  const wrapper = options.wrapper ?? [];
  let running = await launch(env, logs, timeoutMs, nodeArgs, wrapper);
  const urls = running.listening;
  const wsUrl = String(urls.wsUrl);
  const httpUrl = String(urls.httpUrl);
  // Later runs reuse the ports the first one got, so clients can reconnect to the same URL.
  env.PARLEY_WS_PORT = String(urls.wsPort);
  env.PARLEY_HTTP_PORT = String(urls.httpPort);
  const token = env.PARLEY_TOKEN ?? (await readFile(join(configDir, 'token'), 'utf8')).trim();
  let stopped = false;

  const stop = async (signal: NodeJS.Signals = 'SIGTERM') => {
    if (stopped) return running.exited;
    stopped = true;
    running.child.kill(signal);
    return running.exited;
  };

  const relay: RelayProcess = {
    wsUrl,
    httpUrl,
    token,
    configDir,
    logs,
    get process() {
      return running.child;
    },
    jsonLogs() {
      const out: Array<Record<string, unknown>> = [];
      for (const line of logs) {
        if (!line.startsWith('{')) continue;
        try {
          out.push(JSON.parse(line) as Record<string, unknown>);
        } catch {
          // A partial or foreign line; skipped.
        }
      }
      return out;
    },
    stop,
    async restart() {
      await stop();
      running = await launch(env, logs, timeoutMs, nodeArgs, wrapper);
      stopped = false;
    },
    async dispose() {
      await stop('SIGKILL');
      await rm(configDir, { recursive: true, force: true });
    },
  };
  return relay;
}
