// A small relay client for tests: speaks legacy or parley.v1, decodes every frame it receives,
// and lets a test wait for a frame (or the close) matching a predicate.
import WebSocket from 'ws';
import {
  decodeServerFrame,
  encodeClientMessage,
  PROTOCOL_V1,
  TOKEN_PROTOCOL_PREFIX,
  type ClientMessage,
  type Dialect,
  type ServerMessage,
  type ServerMessageOf,
  type ServerMessageType,
} from '../../protocol/index.ts';

export interface TestClientOptions {
  dialect: Dialect;
  /** v1: sent as the parley-token subprotocol; legacy: as ?token=. Omit to connect without one. */
  token?: string;
  origin?: string;
  /** Legacy only: put the token in the URL even for v1 (default: subprotocol for v1). */
  tokenInQuery?: boolean;
}

export interface Closed {
  code: number;
  reason: string;
}

export interface TestClient {
  readonly ws: WebSocket;
  readonly dialect: Dialect;
  /** Every decoded frame in arrival order. */
  readonly frames: ServerMessage[];
  /** Raw bytes of every frame, for scanning. */
  readonly raw: Uint8Array[];
  /** Set once the socket closed. */
  closed: Closed | undefined;
  send(message: ClientMessage): void;
  sendRaw(data: Uint8Array | string): void;
  waitFor<T extends ServerMessage>(predicate: (frame: ServerMessage) => frame is T, timeoutMs?: number): Promise<T>;
  waitFor(predicate: (frame: ServerMessage) => boolean, timeoutMs?: number): Promise<ServerMessage>;
  /** Frames of one type (and turn, if given). */
  of<K extends ServerMessageType>(type: K, turnId?: number): Array<ServerMessageOf<K>>;
  waitForClose(timeoutMs?: number): Promise<Closed>;
  /** Text of a finished turn: waits for its TextEnd (or Error) and joins its chunks. */
  answer(turnId: number, timeoutMs?: number): Promise<string>;
  close(): Promise<void>;
}

export function is<K extends ServerMessageType>(type: K, turnId?: number) {
  return (frame: ServerMessage): frame is ServerMessageOf<K> =>
    frame.type === type && (turnId === undefined || !('turnId' in frame) || frame.turnId === turnId);
}

export async function connectClient(url: string, options: TestClientOptions): Promise<TestClient> {
  const target = new URL(url);
  const protocols: string[] = [];
  if (options.dialect === 'v1') protocols.push(PROTOCOL_V1);
  if (options.token !== undefined) {
    if (options.dialect === 'legacy' || options.tokenInQuery) target.searchParams.set('token', options.token);
    else protocols.push(`${TOKEN_PROTOCOL_PREFIX}${options.token}`);
  }
  const ws = new WebSocket(target, protocols, options.origin === undefined ? {} : { origin: options.origin });
  const frames: ServerMessage[] = [];
  const raw: Uint8Array[] = [];
  const waiters = new Set<() => void>();
  const notify = () => {
    for (const waiter of [...waiters]) waiter();
  };
  const client: TestClient = {
    ws,
    dialect: options.dialect,
    frames,
    raw,
    closed: undefined,
    send: (message) => ws.send(encodeClientMessage(message, options.dialect)),
    sendRaw: (data) => ws.send(data),
    waitFor(predicate: (frame: ServerMessage) => boolean, timeoutMs = 10_000): Promise<ServerMessage> {
      return new Promise((resolve, reject) => {
        let seen = 0;
        const check = () => {
          for (; seen < frames.length; seen++) {
            const frame = frames[seen] as ServerMessage;
            if (predicate(frame)) {
              done();
              return resolve(frame);
            }
          }
          if (client.closed) {
            done();
            reject(new Error(`socket closed (${client.closed.code} ${client.closed.reason}) before the expected frame; got ${describe(frames)}`));
          }
        };
        const timer = setTimeout(() => {
          done();
          reject(new Error(`timed out after ${timeoutMs} ms waiting for a frame; got ${describe(frames)}`));
        }, timeoutMs);
        const done = () => {
          clearTimeout(timer);
          waiters.delete(check);
        };
        waiters.add(check);
        check();
      });
    },
    of<K extends ServerMessageType>(type: K, turnId?: number) {
      return frames.filter(is(type, turnId));
    },
    waitForClose(timeoutMs = 10_000) {
      return new Promise<Closed>((resolve, reject) => {
        const check = () => {
          if (!client.closed) return;
          done();
          resolve(client.closed);
        };
        const timer = setTimeout(() => {
          done();
          reject(new Error(`socket still open after ${timeoutMs} ms`));
        }, timeoutMs);
        const done = () => {
          clearTimeout(timer);
          waiters.delete(check);
        };
        waiters.add(check);
        check();
      });
    },
    async answer(turnId, timeoutMs) {
      const end = await client.waitFor((f) => (f.type === 'textEnd' || f.type === 'error') && f.turnId === turnId, timeoutMs);
      if (end.type === 'error') throw new Error(`turn ${turnId} failed: ${end.error.code} ${end.error.message}`);
      return client
        .of('textChunk', turnId)
        .map((f) => f.text)
        .join('');
    },
    close() {
      if (client.closed) return Promise.resolve();
      ws.close();
      return client.waitForClose().then(() => undefined);
    },
  };
  ws.on('message', (data: Buffer, isBinary) => {
    const bytes = new Uint8Array(data);
    raw.push(bytes);
    if (!isBinary) return;
    const decoded = decodeServerFrame(bytes, options.dialect);
    if (decoded.ok) frames.push(decoded.value);
    else frames.push({ type: 'error', turnId: -1, error: { code: decoded.error.code, message: `client could not decode: ${decoded.error.message}`, retryable: false } });
    notify();
  });
  ws.on('close', (code, reason) => {
    client.closed = { code, reason: reason.toString() };
    notify();
  });
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
    ws.once('unexpected-response', (req, res) => {
      req.destroy();
      reject(new Error(`HTTP ${res.statusCode} on upgrade`));
    });
  });
  ws.on('error', () => {
    // Errors after open surface as a close, which tests observe through `closed`.
  });
  return client;
}

function describe(frames: ServerMessage[]): string {
  return JSON.stringify(
    frames.slice(-12).map((f) => (f.type === 'speechAudio' ? { ...f, audio: `${f.audio.byteLength} bytes` } : f)),
  );
}

/**
 * A client with a session: SetClientID answered by OK, and for parley.v1 the speech setting applied
 * (its second OK). What most relay integration tests start from.
 */
export async function openTestSession(
  relay: { wsUrl: string; token: string },
  clientId: string,
  options: { dialect?: Dialect; speech?: boolean; /** The test's list to close in afterAll: joined before any wait. */ track?: TestClient[] } = {},
): Promise<TestClient> {
  const dialect = options.dialect ?? 'v1';
  const c = await connectClient(relay.wsUrl, { dialect, token: relay.token });
  options.track?.push(c);
  c.send({ type: 'setClientId', clientId });
  await c.waitFor(is('ok'));
  if (dialect === 'v1') {
    c.send({ type: 'settings', settings: { speech: options.speech ?? false } });
    await c.waitFor((f) => f.type === 'ok' && c.of('ok').length === 2);
  }
  return c;
}
