// Child process for the idle-capacity scenario: holds HOLD_COUNT authenticated parley.v1
// connections open, each with a session, and sends an app-level Ping every 20 s from each (what
// the extension does to keep its MV3 worker alive). Reports on stdout as JSON lines; on a
// "report" line on stdin it says how many of its sockets are still open; on "quiet" it stops pinging.
import WebSocket from 'ws';
import { encodeClientMessage, PROTOCOL_V1, ServerFrame, TOKEN_PROTOCOL_PREFIX } from '../../protocol/index.ts';

const url = process.env.HOLD_URL ?? '';
const token = process.env.HOLD_TOKEN ?? '';
const count = Number(process.env.HOLD_COUNT ?? '0');
const prefix = process.env.HOLD_PREFIX ?? 'idle';
const PING_EVERY_MS = 20_000;

const sockets: WebSocket[] = [];
const timers: Array<ReturnType<typeof setTimeout>> = [];
let failed = 0;
const say = (value: Record<string, unknown>) => process.stdout.write(`${JSON.stringify(value)}\n`);

function open(index: number): Promise<void> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url, [PROTOCOL_V1, `${TOKEN_PROTOCOL_PREFIX}${token}`], { perMessageDeflate: false });
    ws.on('error', () => {
      failed++;
      resolve();
    });
    ws.once('open', () => ws.send(encodeClientMessage({ type: 'setClientId', clientId: `${prefix}-${index}` })));
    ws.once('message', (data: Buffer) => {
      if (data[0] === ServerFrame.Ok) sockets.push(ws);
      else failed++;
      resolve();
    });
  });
}

async function main(): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < count) await open(next++);
  };
  await Promise.all(Array.from({ length: 100 }, worker));
  for (const ws of sockets) {
    // Random phase so the pings spread over the interval as real clients' would.
    const timer = setTimeout(() => {
      const nonce = Math.floor(Math.random() * 2 ** 31);
      timers.push(setInterval(() => ws.readyState === ws.OPEN && ws.send(encodeClientMessage({ type: 'ping', nonce })), PING_EVERY_MS).unref());
    }, Math.random() * PING_EVERY_MS);
    timers.push(timer.unref());
  }
  say({ ready: sockets.length, failed });
  process.stdin.setEncoding('utf8').on('data', (text: string) => {
    if (text.includes('report')) say({ open: sockets.filter((ws) => ws.readyState === ws.OPEN).length });
    // "quiet": stop the app-level pings, leaving only the relay's own protocol heartbeat.
    if (text.includes('quiet')) {
      for (const timer of timers) clearTimeout(timer);
      say({ quiet: true });
    }
  });
  // Stays alive through stdin; the parent ends it by closing stdin or killing it.
  process.stdin.on('end', () => process.exit(0));
}

void main();
