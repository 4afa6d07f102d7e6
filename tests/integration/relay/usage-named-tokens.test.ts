// Named tokens (`npm run relay -- tokens add`) in usage and metrics: a person's usage and metrics
// carry the name, and after `tokens revoke` the usage is still there under that name.
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeOpenAI, type FakeOpenAI } from '../../fakes/fake-openai.ts';
import { sampleValue } from '../../helpers/prometheus-text.ts';
import { startRelay, type RelayProcess } from '../../helpers/relay-process.ts';
import { connectClient, is, type TestClient } from '../../helpers/ws-client.ts';
import { tokenIdOf } from '../../../server/transport/token-id.ts';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const OWNER = 'owner-Lq4Zr8Xm2Vt6Kp1Wb9Nc3Hf7Jd5Sg0Ya';
const ADMIN = 'admin-Tz5Qm9Xr1Lp7Vk3Wb6Nc2Hf8Jd4Sg0Yb';
let dir: string;
let fake: FakeOpenAI;
let relay: RelayProcess;
let alice: string;
const clients: TestClient[] = [];

async function cli(...args: string[]): Promise<string> {
  const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', 'server/index.ts', 'tokens', ...args], {
    cwd: ROOT,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, PARLEY_CONFIG_DIR: dir },
  });
  return stdout;
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

interface Usage {
  tokens: Array<{ id: string; name: string | null; configured: boolean; total: { turns: number; completionTokens: number } }>;
}
const usage = async (query: string) =>
  (await (await fetch(`${relay.httpUrl}/admin/usage${query}`, { headers: { Authorization: `Bearer ${ADMIN}` } })).json()) as Usage;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'parley-usage-names-'));
  alice = (await cli('add', 'alice')).split('\n')[1] ?? '';
  expect(alice).toMatch(/^[A-Za-z0-9_-]{43}$/);
  fake = await startFakeOpenAI({ apiKey: 'sk-usage-names-key-0123456789', latency: { firstTokenMs: 0, perTokenMs: 0, sttMs: 1, ttsMs: 1 } });
  relay = await startRelay({ fake, env: { PARLEY_CONFIG_DIR: dir, PARLEY_TOKEN: OWNER, PARLEY_ADMIN_TOKEN: ADMIN, PARLEY_SPEECH: '0' } });
}, 60_000);
afterAll(async () => {
  await Promise.all(clients.map((c) => c.close().catch(() => undefined)));
  await relay?.dispose();
  await fake?.close();
  await rm(dir, { recursive: true, force: true });
});

describe('usage of named tokens', () => {
  it('is reported under the name, in /admin/usage and /metrics, and kept after a revoke', async () => {
    const c = await connectClient(relay.wsUrl, { dialect: 'v1', token: alice });
    clients.push(c);
    c.send({ type: 'setClientId', clientId: 'alice-laptop' });
    await c.waitFor(is('ok'));
    c.send({ type: 'userText', turnId: 1, text: 'Hello from Alice.' });
    await c.answer(1);
    const completion = fake.requests.filter((r) => r.endpoint === 'chat').reduce((sum, r) => sum + Number(r.usage?.completion_tokens), 0);

    const before = await until('alice in usage', async () => (await usage('?token=alice')).tokens.find((t) => t.total.turns === 1));
    expect(before).toMatchObject({ id: tokenIdOf(alice), name: 'alice', configured: true, total: { turns: 1, completionTokens: completion } });
    const metrics = await (await fetch(`${relay.httpUrl}/metrics`, { headers: { Authorization: `Bearer ${ADMIN}` } })).text();
    expect(sampleValue(metrics, 'parley_token_completion_tokens_total', { token: 'alice' })).toBe(completion);
    // The owner token is listed too, with nothing spent.
    expect((await usage('')).tokens.find((t) => t.name === 'default')?.total.turns).toBe(0);

    expect(await cli('revoke', 'alice')).toMatch(/Revoked "alice"/);
    const after = await until('the revoke', async () => (await usage('?token=alice')).tokens.find((t) => !t.configured));
    expect(after).toMatchObject({ id: tokenIdOf(alice), name: 'alice', total: { turns: 1 } });
    expect((await usage('')).tokens.map((t) => t.name)).toEqual(['default', 'alice']);
  });
});
