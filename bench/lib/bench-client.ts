// A lean WebSocket client for benchmarks: no frame log, just a callback stamped on arrival.
// Parley is spoken in parley.v1 with its token; the naive relay only knows legacy framing.
import WebSocket from 'ws';
import {
  decodeServerFrame,
  encodeClientMessage,
  PROTOCOL_V1,
  TOKEN_PROTOCOL_PREFIX,
  type ClientMessage,
  type Dialect,
  type OkInfo,
  type ServerMessage,
} from '../../protocol/index.ts';
import { wallNow } from './clock.ts';
import type { BenchRelay } from './relays.ts';

/** What a benchmark sees: Parley's decoded frames, or the naive relay's bench-only whole-answer audio. */
export type BenchFrame = ServerMessage | { type: 'naiveAudio'; bytes: number };

export interface BenchClient {
  ws: WebSocket;
  dialect: Dialect;
  send(message: ClientMessage): void;
  /** Replaced by each scenario; called with the arrival time on the shared clock. */
  onFrame: (frame: BenchFrame, at: number) => void;
  /** What Parley's OK said (parley.v1 only), once openSession resolved. */
  okInfo?: OkInfo;
  close(): void;
}

const NAIVE_AUDIO = 0x14;

export function connectBench(relay: BenchRelay): Promise<BenchClient> {
  const dialect: Dialect = relay.kind === 'parley' ? 'v1' : 'legacy';
  const protocols = relay.token === undefined ? [] : [PROTOCOL_V1, `${TOKEN_PROTOCOL_PREFIX}${relay.token}`];
  const ws = new WebSocket(relay.wsUrl, protocols, { perMessageDeflate: false });
  const client: BenchClient = {
    ws,
    dialect,
    send: (message) => ws.send(encodeClientMessage(message, dialect)),
    onFrame: () => undefined,
    close: () => ws.terminate(),
  };
  ws.on('message', (data: Buffer) => {
    const at = wallNow();
    if (dialect === 'legacy' && data[0] === NAIVE_AUDIO) {
      client.onFrame({ type: 'naiveAudio', bytes: data.byteLength - 1 }, at);
      return;
    }
    const decoded = decodeServerFrame(data, dialect);
    if (decoded.ok) client.onFrame(decoded.value, at);
  });
  return new Promise((resolve, reject) => {
    ws.once('open', () => {
      ws.on('error', () => {
        // A socket error after open shows up as a close; scenarios time out on missing frames.
      });
      resolve(client);
    });
    ws.once('error', reject);
  });
}

/** Opens a client and names its session; resolves after the relay's OK. */
export async function openSession(relay: BenchRelay, clientId: string): Promise<BenchClient> {
  const client = await connectBench(relay);
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no OK for ${clientId}`)), 30_000);
    client.onFrame = (frame) => {
      if (frame.type === 'ok') {
        clearTimeout(timer);
        if (frame.info) client.okInfo = frame.info;
        client.onFrame = () => undefined;
        resolve();
      } else if (frame.type === 'error') {
        clearTimeout(timer);
        reject(new Error(`${frame.error.code}: ${frame.error.message}`));
      }
    };
    client.send({ type: 'setClientId', clientId });
  });
  return client;
}

/** Runs `open` for each index with at most `parallel` handshakes in flight. */
export async function openMany<T>(count: number, parallel: number, open: (index: number) => Promise<T>): Promise<T[]> {
  const out: T[] = new Array<T>(count);
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const index = next++;
      out[index] = await open(index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(parallel, count) }, worker));
  return out;
}
