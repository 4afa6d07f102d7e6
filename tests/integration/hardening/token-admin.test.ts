// Issue 10: named tokens for a team. `tokens add` prints a token once and stores only its hash; each
// token may carry its own turns per minute and a daily budget; `tokens revoke` closes the token's
// live connections at once on every relay process sharing the registry, and refuses it from then on.
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CloseCode, ErrorCode } from '../../../protocol/index.ts';
import { startFakeOpenAI, type FakeOpenAI } from '../../fakes/fake-openai.ts';
import { startRelay, type RelayProcess } from '../../helpers/relay-process.ts';
import { connectClient, is, type TestClient } from '../../helpers/ws-client.ts';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const OWNER_TOKEN = 'owner-kQ7vX2pL9mZr4TwY8bN3cF6hJ1dS5gK';
let dir: string;
let fake: FakeOpenAI;
const relays: RelayProcess[] = [];
const clients: TestClient[] = [];

async function cli(...args: string[]): Promise<string> {
  const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', 'server/index.ts', 'tokens', ...args], {
    cwd: ROOT,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, PARLEY_CONFIG_DIR: dir },
  });
  return stdout;
}

async function issue(name: string, ...flags: string[]): Promise<string> {
  const out = await cli('add', name, ...flags);
  const token = out.split('\n')[1] ?? '';
  expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
  return token;
}

/**
 * A session with a token the CLI may have issued a moment ago: relays learn of it through a file
 * watch, so the first try can race the event. A few tries stay below the failed-auth throttle.
 */
async function session(relay: RelayProcess, token: string, clientId: string): Promise<TestClient> {
  for (let attempt = 1; ; attempt++) {
    const client = await connectClient(relay.wsUrl, { dialect: 'v1', token });
    clients.push(client);
    client.send({ type: 'setClientId', clientId });
    const accepted = await client.waitFor(is('ok')).then(
      () => true,
      () => false,
    );
    if (accepted) {
      client.send({ type: 'settings', settings: { speech: false } });
      return client;
    }
    if (attempt === 5) throw new Error(`token not accepted: ${JSON.stringify(client.closed)}`);
    await new Promise((resolve) => setTimeout(resolve, 300));
  }
}

const turnEnd = (client: TestClient, turnId: number) =>
  client.waitFor((f) => (f.type === 'textEnd' || f.type === 'error') && 'turnId' in f && f.turnId === turnId);

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'parley-tokens-'));
  fake = await startFakeOpenAI({ latency: { firstTokenMs: 0, perTokenMs: 1, sttMs: 1, ttsMs: 1 } });
  // Two relay processes on one machine sharing the config dir, as PARLEY_WORKERS or two units would.
  for (let i = 0; i < 2; i++)
    relays.push(await startRelay({ fake, env: { PARLEY_CONFIG_DIR: dir, PARLEY_TOKEN: OWNER_TOKEN, PARLEY_SPEECH: '0' } }));
});
afterAll(async () => {
  await Promise.all(clients.map((c) => c.close().catch(() => undefined)));
  await Promise.all(relays.map((r) => r.dispose()));
  await fake?.close();
  await rm(dir, { recursive: true, force: true });
});

describe('tokens add', () => {
  it('prints the token once and stores only its SHA-256, readable by the owner alone', async () => {
    const token = await issue('reader');
    const path = join(dir, 'tokens.json');
    const text = await readFile(path, 'utf8');
    expect(text).not.toContain(token);
    expect(text).toContain('"name": "reader"');
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    expect(await cli('list')).toMatch(/reader\s+[0-9a-f]{16}\s+\d{4}-\d\d-\d\d/);
    // Running relays accept it without a restart.
    const [first] = relays;
    if (!first) throw new Error('no relay');
    const client = await session(first, token, 'reader');
    client.send({ type: 'userText', turnId: 1, text: 'hello' });
    expect(await client.answer(1)).toContain('hello');
  });

  it("applies a token's own turns per minute and daily budget", async () => {
    const [first] = relays;
    if (!first) throw new Error('no relay');
    const limited = await session(first, await issue('limited', '--turns-per-minute', '2'), 'limited');
    for (const turnId of [1, 2]) {
      limited.send({ type: 'userText', turnId, text: `turn ${turnId}` });
      expect((await turnEnd(limited, turnId)).type).toBe('textEnd');
    }
    limited.send({ type: 'userText', turnId: 3, text: 'one too many' });
    const refused = await turnEnd(limited, 3);
    expect(refused.type === 'error' && refused.error.code).toBe(ErrorCode.RateLimited);
    expect(refused.type === 'error' && refused.error.message).toMatch(/allows 2 per minute/);

    const daily = await session(first, await issue('daily', '--daily-budget', '1'), 'daily');
    daily.send({ type: 'userText', turnId: 1, text: 'first' });
    expect((await turnEnd(daily, 1)).type).toBe('textEnd');
    daily.send({ type: 'userText', turnId: 2, text: 'second' });
    const spent = await turnEnd(daily, 2);
    expect(spent.type === 'error' && spent.error).toMatchObject({ code: ErrorCode.DailyBudgetExceeded, retryable: false });
  });
});

describe('tokens revoke', () => {
  it('closes the token’s live connections on every relay at once and refuses it afterwards; others carry on', async () => {
    const token = await issue('leaver');
    const live = await Promise.all(relays.map((relay, i) => session(relay, token, `leaver-${i}`)));
    const [first] = relays;
    if (!first) throw new Error('no relay');
    const owner = await session(first, OWNER_TOKEN, 'owner');

    expect(await cli('revoke', 'leaver')).toMatch(/Revoked "leaver"/);
    for (const client of live) expect(await client.waitForClose(5000)).toEqual({ code: CloseCode.Unauthorized, reason: 'unauthorized: token revoked' });
    for (const relay of relays) {
      const again = await connectClient(relay.wsUrl, { dialect: 'v1', token });
      clients.push(again);
      expect((await again.waitForClose()).code).toBe(CloseCode.Unauthorized);
      const http = await fetch(`${relay.httpUrl}/api/message`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
        body: JSON.stringify({ id: 'leaver', message: 'still here?' }),
      });
      expect(http.status).toBe(401);
    }
    owner.send({ type: 'userText', turnId: 1, text: 'owner still fine' });
    expect(await owner.answer(1)).toContain('owner still fine');
    expect(await cli('list')).not.toContain('leaver');
  });
});
