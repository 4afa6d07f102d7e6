import {
  CloseCode,
  PROTOCOL_V1,
  TOKEN_PROTOCOL_PREFIX,
  decodeServerFrame,
  encodeClientMessage,
} from '../../protocol/index.ts';
import type { TestConnectionResult } from '../messages.ts';
import { checkRelayUrl, checkToken } from './relay-config.ts';
import type { SocketConstructor } from './relay-client.ts';

/**
 * The options page's "Test connection": a throwaway socket that does the
 * handshake with a random session id, then measures one Ping → Pong round trip.
 * It never touches the chat connection or the conversation.
 */
export async function testConnection(
  relayUrl: string,
  token: string,
  options: { WebSocketImpl?: SocketConstructor; timeoutMs?: number; now?: () => number } = {},
): Promise<TestConnectionResult> {
  const url = checkRelayUrl(relayUrl);
  if (!url.ok) return { ok: false, reason: 'bad-url', message: url.message };
  const tok = checkToken(token);
  if (!tok.ok) return { ok: false, reason: 'wrong-token', message: tok.message };
  const WebSocketImpl = options.WebSocketImpl ?? (globalThis.WebSocket as unknown as SocketConstructor);
  const now = options.now ?? (() => performance.now());

  return new Promise((resolve) => {
    let ws: ReturnType<typeof open>;
    const open = () => new WebSocketImpl(relayUrl.trim(), [PROTOCOL_V1, TOKEN_PROTOCOL_PREFIX + token]);
    try {
      ws = open();
    } catch (error) {
      // The constructor throws SyntaxError for a URL or token it cannot use.
      return resolve({ ok: false, reason: 'bad-url', message: error instanceof Error ? error.message : String(error) });
    }
    ws.binaryType = 'arraybuffer';
    const nonce = Math.floor(Math.random() * 0xffffffff) >>> 0;
    let pingSentAt = 0;
    let done = false;
    const finish = (result: TestConnectionResult) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      ws.onopen = ws.onmessage = ws.onclose = null;
      ws.onerror = () => undefined; // closing a connecting socket reports an error: expected
      if (ws.readyState <= 1) ws.close(1000);
      resolve(result);
    };
    const timer = setTimeout(
      () => finish({ ok: false, reason: 'unreachable', message: 'The relay did not answer in time.' }),
      options.timeoutMs ?? 5000,
    );
    ws.onopen = () => ws.send(encodeClientMessage({ type: 'setClientId', clientId: `test-${crypto.randomUUID()}` }));
    ws.onerror = () => undefined; // close follows with the code
    ws.onclose = (event) => {
      if (event.code === CloseCode.Unauthorized)
        return finish({ ok: false, reason: 'wrong-token', message: 'Wrong token: the relay refused it.' });
      if (event.code === CloseCode.Forbidden)
        return finish({ ok: false, reason: 'forbidden-origin', message: 'The relay does not accept this extension.' });
      // A refused origin is an HTTP 403, which a browser only reports as 1006, like an unreachable host.
      finish({ ok: false, reason: 'unreachable', message: 'Relay unreachable: is it running at this URL, and does it allow this extension?' });
    };
    ws.onmessage = (event) => {
      if (!(event.data instanceof ArrayBuffer)) return;
      const decoded = decodeServerFrame(new Uint8Array(event.data), 'v1');
      if (!decoded.ok) return;
      const message = decoded.value;
      if (message.type === 'ok' && pingSentAt === 0) {
        pingSentAt = now();
        ws.send(encodeClientMessage({ type: 'ping', nonce }));
      } else if (message.type === 'pong' && message.nonce === nonce) {
        finish({ ok: true, rttMs: Math.max(0, Math.round(now() - pingSentAt)) });
      } else if (message.type === 'error' && message.error.code === 'UNAUTHORIZED') {
        finish({ ok: false, reason: 'wrong-token', message: 'Wrong token: the relay refused it.' });
      }
    };
  });
}
