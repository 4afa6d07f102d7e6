// Issue 10: both listeners check the Host header (DNS rebinding), time out slow request heads and
// bodies, and cap their sockets.
import { request } from 'node:http';
import { connect, type Socket } from 'node:net';
import { once } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeOpenAI, type FakeOpenAI } from '../../fakes/fake-openai.ts';
import { startRelay, type RelayProcess } from '../../helpers/relay-process.ts';

const MAX_SOCKETS = 4;
let fake: FakeOpenAI;
let relay: RelayProcess;
const sockets: Socket[] = [];

/** One request on its own connection, with a Host header fetch() would not let us set. */
function get(baseUrl: string, path: string, headers: Record<string, string>): Promise<{ status: number; body: string }> {
  const { hostname, port } = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const req = request({ host: hostname, port, path, headers, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

const upgradeHeaders = (host: string) => ({
  Host: host,
  Connection: 'Upgrade',
  Upgrade: 'websocket',
  'Sec-WebSocket-Key': 'dGhlIHNhbXBsZSBub25jZQ==',
  'Sec-WebSocket-Version': '13',
});

/** A raw socket that sends `text` and resolves with everything the relay sends until it closes. */
async function rawUntilClosed(baseUrl: string, text: string): Promise<string> {
  const { hostname, port } = new URL(baseUrl);
  const socket = connect(Number(port), hostname);
  sockets.push(socket);
  await once(socket, 'connect');
  socket.write(text);
  let received = '';
  socket.setEncoding('utf8');
  socket.on('data', (chunk: string) => (received += chunk));
  await once(socket, 'close');
  return received;
}

beforeAll(async () => {
  fake = await startFakeOpenAI();
  relay = await startRelay({
    fake,
    env: {
      PARLEY_ALLOWED_HOSTS: 'parley.example.test',
      PARLEY_HTTP_HEADERS_TIMEOUT_MS: '300',
      PARLEY_HTTP_REQUEST_TIMEOUT_MS: '600',
      PARLEY_MAX_CONNECTIONS: '2',
      PARLEY_MAX_SOCKETS: String(MAX_SOCKETS),
    },
  });
});
afterAll(async () => {
  for (const socket of sockets) socket.destroy();
  await relay?.dispose();
  await fake?.close();
});

describe('Host header', () => {
  it('answers configured names and IP literals; a rebinding name gets 421 on /healthz, the API and upgrades', async () => {
    const port = new URL(relay.httpUrl).port;
    expect((await get(relay.httpUrl, '/healthz', { Host: `parley.example.test:${port}` })).status).toBe(200);
    expect((await get(relay.httpUrl, '/healthz', { Host: `127.0.0.1:${port}` })).status).toBe(200);
    for (const host of [`evil.example:${port}`, `localhost:${port}`]) {
      const refused = await get(relay.httpUrl, '/healthz', { Host: host });
      expect(refused.status).toBe(421);
      expect(JSON.parse(refused.body)).toMatchObject({ code: 'MISDIRECTED', error: expect.stringMatching(/PARLEY_ALLOWED_HOSTS/) });
      expect(refused.body).not.toMatch(/uptime|version/);
    }
    const api = await get(relay.httpUrl, '/api/message', { Host: 'evil.example', Authorization: `Bearer ${relay.token}` });
    expect(api.status).toBe(421);

    const wsPort = new URL(relay.wsUrl).port;
    expect((await get(relay.wsUrl.replace('ws:', 'http:'), '/', upgradeHeaders(`evil.example:${wsPort}`))).status).toBe(421);
    expect(fake.requests).toEqual([]);
  });
});

describe('slow requests', () => {
  it('are answered 408 and closed when the head or the body does not arrive in time, on both listeners', async () => {
    const head = await rawUntilClosed(relay.httpUrl, 'GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ');
    expect(head).toMatch(/^HTTP\/1\.1 408/);
    const body = await rawUntilClosed(
      relay.httpUrl,
      `POST /api/message HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${relay.token}\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"id":`,
    );
    expect(body).toMatch(/^HTTP\/1\.1 408/);
    const upgrade = await rawUntilClosed(relay.wsUrl.replace('ws:', 'http:'), 'GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n');
    expect(upgrade).toMatch(/^HTTP\/1\.1 408/);
    expect(fake.requests).toEqual([]);
  });
});

describe('socket cap', () => {
  it('drops sockets beyond PARLEY_MAX_SOCKETS on accept, and serves again once one closes', async () => {
    const { hostname, port } = new URL(relay.httpUrl);
    const idle = await Promise.all(
      Array.from({ length: MAX_SOCKETS }, async () => {
        const socket = connect(Number(port), hostname);
        sockets.push(socket);
        await once(socket, 'connect');
        return socket;
      }),
    );
    // Node accepts, then closes at once: the request never gets an answer.
    await expect(get(relay.httpUrl, '/healthz', { Host: '127.0.0.1' })).rejects.toThrow(/socket hang up|ECONNRESET/);
    idle[0]?.destroy();
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect((await get(relay.httpUrl, '/healthz', { Host: '127.0.0.1' })).status).toBe(200);
  });
});
