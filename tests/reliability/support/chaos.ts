// Helpers for chaos tests: a client that stops reading, and the relay's per-turn log lines.
import type { Socket } from 'node:net';
import type { RelayProcess } from '../../helpers/relay-process.ts';
import type { TestClient } from '../../helpers/ws-client.ts';

/** ws keeps its TCP socket private; reaching it is the only way to model a peer that stops reading. */
function socketOf(client: TestClient): Socket {
  return (client.ws as unknown as { _socket: Socket })._socket;
}

/** Stops reading: the kernel buffers fill, then the relay's send buffer grows. */
export function pauseReading(client: TestClient): void {
  socketOf(client).pause();
}

export function resumeReading(client: TestClient): void {
  socketOf(client).resume();
}

export interface TurnLine {
  sessionHash: string;
  turnId: number;
  outcome: string;
  error?: string;
  totalMs: number;
}

export function turnLines(relay: RelayProcess): TurnLine[] {
  return relay.jsonLogs().filter((line) => line.msg === 'turn') as unknown as TurnLine[];
}

/** Polls until `find` returns something (logs arrive asynchronously from the child process). */
export async function eventually<T>(what: string, find: () => T | undefined, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = find();
    if (found !== undefined) return found;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** A long answer: `count` sentences of ~390 characters, ~94 KB of fake mp3 each. */
export function longAnswer(count: number): string {
  const sentence = `${'This sentence is long enough to be spoken on its own and it keeps going, '.repeat(5).trim()}.`;
  return Array.from({ length: count }, (_, i) => `${i + 1}. ${sentence}`).join(' ');
}
