// Drives the frame fuzzer against a live relay: authenticated v1 and legacy connections plus
// token-less ones, reconnecting whenever the relay closes a connection (it may, for oversized
// frames). Synchronises every batch (Ping→Pong on v1, quiet socket on legacy) so the relay is
// never more than one batch behind and the run measures handling, not buffering.
import { setTimeout as sleep } from 'node:timers/promises';
import type { Dialect } from '../../../protocol/index.ts';
import type { RelayProcess } from '../../helpers/relay-process.ts';
import { connectClient, is, type TestClient } from '../../helpers/ws-client.ts';
import { fuzzFrame, type FuzzKind } from './frame-fuzzer.ts';
import { createRng } from './rng.ts';

export interface FuzzOptions {
  relay: RelayProcess;
  frames: number;
  seed: number;
  maxFrameBytes: number;
  batch?: number;
  /** A token-less connection sends frames every this many batches (they must all be refused). */
  unauthEvery?: number;
}

export interface FuzzStats {
  sent: number;
  byKind: Partial<Record<FuzzKind, number>>;
  /** Close codes the relay used on fuzz connections, with counts. */
  closes: Record<string, number>;
  connections: number;
  framesReceived: number;
  unauthAttempts: number;
  /** Frames a token-less connection received (must stay 0) and close codes it got. */
  unauthFramesReceived: number;
  unauthCloses: Record<string, number>;
}

const bump = (counts: Record<string, number>, key: string) => (counts[key] = (counts[key] ?? 0) + 1);

async function settle(client: TestClient): Promise<void> {
  // Legacy has no Ping: wait until the socket has flushed and the relay has gone quiet.
  let seen = -1;
  for (let i = 0; i < 200 && (client.ws.bufferedAmount > 0 || client.frames.length !== seen); i++) {
    seen = client.frames.length;
    await sleep(10);
  }
}

export async function runFuzz(options: FuzzOptions): Promise<FuzzStats> {
  const { relay } = options;
  const rng = createRng(options.seed);
  const batch = options.batch ?? 100;
  const stats: FuzzStats = { sent: 0, byKind: {}, closes: {}, connections: 0, framesReceived: 0, unauthAttempts: 0, unauthFramesReceived: 0, unauthCloses: {} };
  let client: TestClient | undefined;
  let nonce = 1;

  const open = async (): Promise<TestClient> => {
    const dialect: Dialect = rng.chance(0.8) ? 'v1' : 'legacy';
    stats.connections++;
    return connectClient(relay.wsUrl, { dialect, token: relay.token });
  };
  const retire = async (current: TestClient) => {
    stats.framesReceived += current.frames.length;
    if (current.closed) bump(stats.closes, String(current.closed.code));
    else await current.close();
  };

  for (let batchNo = 0; stats.sent < options.frames; batchNo++) {
    // A fresh connection now and then keeps the client's own frame log small and varies the dialect.
    if (client && (client.closed || batchNo % 50 === 0)) {
      await retire(client);
      client = undefined;
    }
    client ??= await open();
    for (let i = 0; i < batch && stats.sent < options.frames && !client.closed; i++) {
      const frame = fuzzFrame(rng, client.dialect, options.maxFrameBytes);
      client.sendRaw(frame.data);
      stats.sent++;
      stats.byKind[frame.kind] = (stats.byKind[frame.kind] ?? 0) + 1;
      // After an oversized frame the relay closes this connection: stop writing to it.
      if (frame.kind === 'oversized') {
        await client.waitForClose().catch(() => undefined);
        break;
      }
    }
    if (!client.closed) {
      if (client.dialect === 'v1') {
        const n = nonce++;
        client.send({ type: 'ping', nonce: n });
        await client.waitFor((f) => f.type === 'pong' && f.nonce === n, 30_000).catch((error: unknown) => {
          if (!client?.closed) throw error;
        });
      } else {
        await settle(client);
      }
    }
    if (options.unauthEvery !== undefined && batchNo % options.unauthEvery === 0) {
      stats.unauthAttempts++;
      const intruder = await connectClient(relay.wsUrl, { dialect: rng.chance(0.5) ? 'v1' : 'legacy', token: rng.chance(0.5) ? `${relay.token}x` : undefined });
      for (let i = 0; i < 5; i++) intruder.sendRaw(fuzzFrame(rng, intruder.dialect, options.maxFrameBytes).data);
      const closed = await intruder.waitForClose();
      bump(stats.unauthCloses, String(closed.code));
      stats.unauthFramesReceived += intruder.frames.length + intruder.raw.length;
    }
  }
  if (client) await retire(client);
  return stats;
}

export interface GoodClientResult {
  turns: number;
  /** Turns whose text was not exactly the expected answer, or that failed. */
  wrong: string[];
}

/** A well-behaved v1 client doing text turns one after another until `stop` resolves. */
export async function runGoodClient(relay: RelayProcess, expected: (question: string) => string, stop: Promise<unknown>): Promise<GoodClientResult> {
  const client = await connectClient(relay.wsUrl, { dialect: 'v1', token: relay.token });
  client.send({ type: 'setClientId', clientId: 'well-behaved' });
  await client.waitFor(is('ok'));
  let stopped = false;
  void stop.then(() => (stopped = true));
  const result: GoodClientResult = { turns: 0, wrong: [] };
  for (let turnId = 1; !stopped || result.turns === 0; turnId++) {
    const question = `question ${turnId}`;
    client.send({ type: 'userText', turnId, text: question });
    try {
      const text = await client.answer(turnId, 30_000);
      if (text !== expected(question)) result.wrong.push(`turn ${turnId}: ${JSON.stringify(text.slice(0, 80))}`);
    } catch (error) {
      result.wrong.push(`turn ${turnId}: ${error instanceof Error ? error.message.slice(0, 200) : String(error)}`);
    }
    result.turns++;
    // Keep the client's frame log small over a long run.
    if (client.frames.length > 5000) client.frames.length = 0;
  }
  await client.close();
  return result;
}

/** Problems in the relay's output: error-level lines, unhandled rejections, uncaught exceptions. */
export function relayProblems(relay: RelayProcess): string[] {
  return relay.logs.filter((line) => /"level":"error"|unhandled|uncaught|UnhandledPromiseRejection|^\s+at /i.test(line));
}
