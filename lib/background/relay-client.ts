import {
  CloseCode,
  ErrorCode,
  PROTOCOL_V1,
  TOKEN_PROTOCOL_PREFIX,
  decodeServerFrame,
  encodeClientMessage,
  type ChatMessage,
  type ClientMessage,
  type OkInfo,
  type ServerMessage,
  type SessionSettings,
} from '../../protocol/index.ts';
import type { ConnectionStatus } from '../messages.ts';
import { DEFAULT_BACKOFF, backoffDelay, sleep, type BackoffOptions } from './backoff.ts';
import { createEmitter } from './emitter.ts';
import { startHeartbeat } from './heartbeat.ts';
import type { RelayConfig } from './relay-config.ts';

/** The slice of the WebSocket API the client uses: the browser's and `ws`'s both fit. */
export interface SocketLike {
  binaryType: string;
  readonly readyState: number;
  onopen: ((event: unknown) => void) | null;
  onmessage: ((event: { data: unknown }) => void) | null;
  onclose: ((event: { code: number; reason: string }) => void) | null;
  onerror: ((event: unknown) => void) | null;
  send(data: Uint8Array): void;
  close(code?: number, reason?: string): void;
}
export type SocketConstructor = new (url: string, protocols: string[]) => SocketLike;

export interface RelayClientOptions {
  loadConfig: () => Promise<RelayConfig>;
  /** The Resume frame's body: the conversation's id and finished messages. */
  getResume: () => Promise<{ clientId: string; messages: ChatMessage[] }>;
  getSessionSettings: () => Promise<SessionSettings>;
  WebSocketImpl?: SocketConstructor;
  backoff?: BackoffOptions;
  /** Injected by tests to observe delays without waiting; must honour the signal. */
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
  pingIntervalMs?: number;
  pongTimeoutMs?: number;
  handshakeTimeoutMs?: number;
  now?: () => number;
  log?: (message: string, error?: unknown) => void;
}

export interface RelayEvents extends Record<string, unknown> {
  status: ConnectionStatus;
  /** Resume answered with OK: turns may be sent (again). */
  ready: OkInfo | undefined;
  /** A socket that was ready closed: every turn in flight on it is gone. */
  lost: { code: number; reason: string };
  /** Every relay frame after the handshake except Pong. */
  message: ServerMessage;
}

export interface RelayClient {
  getStatus(): ConnectionStatus;
  isReady(): boolean;
  okInfo(): OkInfo | undefined;
  /** Connect if nothing is connecting yet. Cheap: call it on every user action. */
  ensureConnected(): void;
  /** Drop the socket and connect again at once (settings changed, new chat, user pressed retry). */
  restart(): void;
  /** Sends when ready; false means "not sent, keep it for later". */
  send(message: ClientMessage): boolean;
  on<K extends keyof RelayEvents>(event: K, listener: (payload: RelayEvents[K]) => void): () => void;
  dispose(): void;
}

type Outcome = { code: number; reason: string; wasReady: boolean };

const UNAUTHORIZED_DETAIL = 'The relay refused the token. Check it in Parley options.';

export function createRelayClient(options: RelayClientOptions): RelayClient {
  const WebSocketImpl = options.WebSocketImpl ?? (globalThis.WebSocket as unknown as SocketConstructor);
  const wait = options.sleep ?? sleep;
  const now = options.now ?? Date.now;
  const log = options.log ?? ((message: string, error?: unknown) => console.warn(`[parley] ${message}`, error ?? ''));
  const events = createEmitter<RelayEvents>((error) => log('relay listener failed', error));

  let status: ConnectionStatus = { state: 'idle' };
  let socket: SocketLike | undefined; // set only while ready
  let info: OkInfo | undefined;
  let loop: AbortController | undefined;

  function setStatus(next: ConnectionStatus) {
    status = next;
    events.emit('status', next);
  }

  /** One socket from open to close. Resolves (never rejects) with how it ended. */
  function connectOnce(config: { url: string; token: string }, signal: AbortSignal): Promise<Outcome> {
    return new Promise((resolve) => {
      let ws: SocketLike;
      try {
        ws = new WebSocketImpl(config.url, [PROTOCOL_V1, TOKEN_PROTOCOL_PREFIX + config.token]);
      } catch (error) {
        // The constructor throws SyntaxError for a bad URL or subprotocol: reported as a failed attempt.
        log('cannot open the relay socket', error);
        return resolve({ code: 1006, reason: error instanceof Error ? error.message : 'cannot connect', wasReady: false });
      }
      ws.binaryType = 'arraybuffer';
      let ready = false;
      let settled = false;
      let heartbeat: ReturnType<typeof startHeartbeat> | undefined;
      const handshake = setTimeout(() => finish(4000, 'The relay did not answer the handshake.'), options.handshakeTimeoutMs ?? 10_000);

      const finish = (code: number, reason: string) => {
        if (settled) return;
        settled = true;
        clearTimeout(handshake);
        heartbeat?.stop();
        signal.removeEventListener('abort', onAbort);
        ws.onopen = ws.onmessage = ws.onclose = null;
        // Closing a socket that is still connecting reports an error event; it is expected here.
        ws.onerror = () => undefined;
        if (socket === ws) socket = undefined;
        // A dead peer may never answer the close handshake; handlers are already detached.
        if (ws.readyState <= 1) ws.close(code >= 4000 && code < 5000 ? code : 1000);
        if (ready) {
          info = undefined;
          events.emit('lost', { code, reason });
        }
        resolve({ code, reason, wasReady: ready });
      };
      const onAbort = () => finish(1000, 'closed by the extension');
      signal.addEventListener('abort', onAbort, { once: true });

      const sendRaw = (message: ClientMessage) => ws.send(encodeClientMessage(message, 'v1'));

      ws.onopen = () => {
        options.getResume().then(
          (resume) => {
            if (!settled) sendRaw({ type: 'resume', ...resume });
          },
          (error: unknown) => {
            log('cannot read the conversation for Resume', error);
            finish(4000, 'cannot read the conversation');
          },
        );
      };
      ws.onclose = (event) => finish(event.code, event.reason);
      // An error event is always followed by close, which carries the code.
      ws.onerror = () => undefined;
      ws.onmessage = (event) => {
        if (!(event.data instanceof ArrayBuffer)) return log('ignored a text frame from the relay');
        const decoded = decodeServerFrame(new Uint8Array(event.data), 'v1');
        if (!decoded.ok) return log(`ignored a bad relay frame: ${decoded.error.message}`);
        const message = decoded.value;
        if (message.type === 'pong') return heartbeat?.pong(message.nonce);
        if (ready) return events.emit('message', message);
        if (message.type === 'ok') {
          ready = true;
          clearTimeout(handshake);
          info = message.info;
          socket = ws;
          heartbeat = startHeartbeat({
            intervalMs: options.pingIntervalMs ?? 20_000,
            timeoutMs: options.pongTimeoutMs ?? 10_000,
            sendPing: (nonce) => sendRaw({ type: 'ping', nonce }),
            onDead: () => finish(4000, 'The relay stopped answering pings.'),
          });
          void options.getSessionSettings().then(
            (settings) => socket === ws && sendRaw({ type: 'settings', settings }),
            (error: unknown) => log('cannot read settings for the relay', error),
          );
          setStatus({ state: 'connected' });
          events.emit('ready', info);
          return;
        }
        if (message.type === 'error') {
          const unauthorized = message.error.code === ErrorCode.Unauthorized;
          finish(unauthorized ? CloseCode.Unauthorized : 4000, message.error.message);
        }
      };
    });
  }

  async function run(signal: AbortSignal) {
    let attempt = 0;
    while (!signal.aborted) {
      const config = await options.loadConfig();
      if (signal.aborted) return;
      if (!config.ok) return setStatus({ state: 'misconfigured', detail: config.detail });
      if (status.state !== 'reconnecting') setStatus({ state: 'connecting' });
      const outcome = await connectOnce(config, signal);
      if (signal.aborted) return;
      if (outcome.code === CloseCode.Unauthorized) {
        // Retrying with the same token cannot succeed: wait for the settings to change.
        return setStatus({ state: 'unauthorized', detail: outcome.reason ? `${UNAUTHORIZED_DETAIL} (${outcome.reason})` : UNAUTHORIZED_DETAIL });
      }
      if (outcome.code === CloseCode.Forbidden) {
        return setStatus({ state: 'unauthorized', detail: `The relay refused this browser extension (${outcome.reason || 'origin not allowed'}).` });
      }
      if (outcome.wasReady) attempt = 0;
      const delay = backoffDelay(attempt++, options.backoff ?? DEFAULT_BACKOFF);
      setStatus({
        state: 'reconnecting',
        detail: outcome.wasReady ? 'Lost the relay; reconnecting.' : 'Cannot reach the relay; retrying.',
        nextRetryAt: now() + delay,
      });
      await wait(delay, signal);
    }
  }

  function start() {
    loop?.abort();
    const controller = new AbortController();
    loop = controller;
    run(controller.signal).catch((error: unknown) => {
      // loadConfig reads storage; if that fails the status says so instead of hanging.
      log('relay connection loop failed', error);
      if (loop === controller) setStatus({ state: 'misconfigured', detail: 'Cannot read Parley settings.' });
    });
  }

  return {
    getStatus: () => status,
    isReady: () => socket !== undefined,
    okInfo: () => info,
    ensureConnected() {
      // unauthorized / misconfigured wait for a settings change (restart), not for more clicks.
      if (status.state === 'idle') start();
    },
    restart() {
      setStatus({ state: 'idle' });
      start();
    },
    send(message) {
      if (!socket) return false;
      socket.send(encodeClientMessage(message, 'v1'));
      return true;
    },
    on: events.on,
    dispose() {
      loop?.abort();
      loop = undefined;
      setStatus({ state: 'idle' });
    },
  };
}
