// Issue 10: with REDIS_URL, named tokens live in Redis: `tokens add` on any machine is seen by every
// relay, and `tokens revoke` closes the token's sockets on every relay at once (pub/sub). The daily
// voice budget is shared the same way.
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CloseCode, ErrorCode } from '../../../protocol/index.ts';
import { startFakeOpenAI, type FakeOpenAI } from '../../fakes/fake-openai.ts';
import { startRedisServer, type RedisServer } from '../../helpers/redis-server.ts';
import { startRelay, type RelayProcess } from '../../helpers/relay-process.ts';
import { connectClient, is, type TestClient } from '../../helpers/ws-client.ts';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const OWNER_TOKEN = 'owner-Lm4vX2pQ9mZr4TwY8bN3cF6hJ1dS5gK';
let redis: RedisServer;
let fake: FakeOpenAI;
let audio: Buffer;
const relays: RelayProcess[] = [];
const clients: TestClient[] = [];

async function cli(...args: string[]): Promise<string> {
  const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', 'server/index.ts', 'tokens', ...args], {
    cwd: ROOT,
    // No shared config dir: the relays and the command meet in Redis only.
    env: { PATH: process.env.PATH, HOME: process.env.HOME, REDIS_URL: redis.url, PARLEY_CONFIG_DIR: '/nonexistent/parley' },
  });
  return stdout;
}

/** Pub/sub reaches the relays within moments; a few tries stay below the failed-auth throttle. */
async function session(relay: RelayProcess, token: string, clientId: string): Promise<TestClient> {
  for (let attempt = 1; ; attempt++) {
    const client = await connectClient(relay.wsUrl, { dialect: 'v1', token });
    clients.push(client);
    client.send({ type: 'setClientId', clientId });
    if (await client.waitFor(is('ok')).then(() => true, () => false)) return client;
    if (attempt === 5) throw new Error(`token not accepted: ${JSON.stringify(client.closed)}`);
    await new Promise((resolve) => setTimeout(resolve, 300));
  }
}

beforeAll(async () => {
  redis = await startRedisServer();
  audio = await readFile(new URL('../../fixtures/question.webm', import.meta.url));
  fake = await startFakeOpenAI({ latency: { firstTokenMs: 0, perTokenMs: 1, sttMs: 1, ttsMs: 1 } });
  for (let i = 0; i < 2; i++)
    relays.push(await startRelay({ fake, env: {
        REDIS_URL: redis.url,
        PARLEY_TOKEN: OWNER_TOKEN,
        PARLEY_SPEECH: '0',
        // One recording a day per token, wherever it is sent.
        PARLEY_AUDIO_BYTES_PER_DAY: String(audio.byteLength),
      }, }));
});
afterAll(async () => {
  await Promise.all(clients.map((c) => c.close().catch(() => undefined)));
  await Promise.all(relays.map((r) => r.dispose()));
  await fake?.close();
  await redis?.dispose();
});

describe('tokens in Redis', () => {
  it('are accepted by every relay once added, and cut everywhere once revoked', async () => {
    const out = await cli('add', 'remote', '--turns-per-minute', '5');
    const token = out.split('\n')[1] ?? '';
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(out).toContain('the shared registry (REDIS_URL)');
    expect(await cli('list')).toMatch(/remote\s+[0-9a-f]{16}\s+.*\s5\s+none/);

    const live = await Promise.all(relays.map((relay, i) => session(relay, token, `remote-${i}`)));
    const first = live[0];
    first?.send({ type: 'userText', turnId: 1, text: 'over redis' });
    expect(await first?.answer(1)).toContain('over redis');

    expect(await cli('revoke', 'remote')).toMatch(/Revoked "remote"/);
    for (const client of live) expect(await client.waitForClose(5000)).toEqual({ code: CloseCode.Unauthorized, reason: 'unauthorized: token revoked' });
    for (const relay of relays) {
      const again = await connectClient(relay.wsUrl, { dialect: 'v1', token });
      clients.push(again);
      expect((await again.waitForClose()).code).toBe(CloseCode.Unauthorized);
    }
    expect(await cli('list')).toMatch(/No named tokens/);
  });

  it('spend one daily voice budget per token across relays', async () => {
    const [first, second] = relays;
    if (!first || !second) throw new Error('no relays');
    const here = await session(first, OWNER_TOKEN, 'voice-here');
    here.send({ type: 'audioChunk', turnId: 1, data: audio });
    here.send({ type: 'audioEnd', turnId: 1 });
    await here.answer(1);

    const there = await session(second, OWNER_TOKEN, 'voice-there');
    there.send({ type: 'audioChunk', turnId: 1, data: audio.subarray(0, 100) });
    const refused = await there.waitFor(is('error', 1));
    expect(refused.error.code).toBe(ErrorCode.AudioBudgetExceeded);
    expect(fake.requests.filter((r) => r.endpoint === 'transcription')).toHaveLength(1);
  });
});
