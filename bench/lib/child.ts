// A helper child process that talks JSON lines on stdout and takes commands on stdin.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export interface JsonChild {
  child: ChildProcess;
  /** Resolves with the next JSON line that has `key`. */
  next(key: string, timeoutMs?: number): Promise<Record<string, unknown>>;
  write(line: string): void;
  stop(): Promise<void>;
}

export function spawnJsonChild(script: string, env: Record<string, string>): JsonChild {
  const child = spawn(process.execPath, ['--import', 'tsx', script], {
    cwd: ROOT,
    env: { PATH: process.env.PATH, ...env },
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const lines: Array<Record<string, unknown>> = [];
  const waiters = new Set<() => void>();
  let buffered = '';
  child.stdout?.setEncoding('utf8').on('data', (text: string) => {
    buffered += text;
    const parts = buffered.split('\n');
    buffered = parts.pop() ?? '';
    for (const part of parts) {
      try {
        lines.push(JSON.parse(part) as Record<string, unknown>);
      } catch {
        // Not ours (a stray print); ignored.
      }
    }
    for (const waiter of [...waiters]) waiter();
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    child,
    next(key, timeoutMs = 300_000) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`${script}: no "${key}" line within ${timeoutMs} ms`));
        }, timeoutMs);
        const check = () => {
          const index = lines.findIndex((line) => key in line);
          if (index < 0) return;
          const [line] = lines.splice(index, 1);
          clearTimeout(timer);
          waiters.delete(check);
          resolve(line ?? {});
        };
        waiters.add(check);
        check();
        void exited.then(() => {
          if (!waiters.has(check)) return;
          waiters.delete(check);
          clearTimeout(timer);
          reject(new Error(`${script} exited before a "${key}" line`));
        });
      });
    },
    write: (line) => child.stdin?.write(`${line}\n`),
    async stop() {
      child.stdin?.end();
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    },
  };
}
