// @vitest-environment node
// The wiring the composition root uses: named tokens from the registry reach usage and metrics.
import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../../server/config.ts';
import { createLogger } from '../../../../server/log.ts';
import { createObservability, type NamedTokenSource } from '../../../../server/metrics/observability.ts';
import { sampleValue } from '../../../helpers/prometheus-text.ts';

const ADMIN = 'admin-Hbrc3BMtK3gMwjZc_qvULntm8Lq6YJzr';
const MAIN = 'main-zkFUSO8hZT0Kjz-QVDAiEdt6p9MuBKa_';
const ALICE_TOKEN = 'alice-9_X3JU0Zr_6nb6zN8mHPnJ2bjwOnkH9f';
const aliceHash = createHash('sha256').update(ALICE_TOKEN).digest('hex');
const aliceId = aliceHash.slice(0, 16);
let server: Server | undefined;

afterEach(async () => {
  await new Promise((resolve) => server?.close(resolve));
  server = undefined;
});

describe('observability wiring', () => {
  it('names registry tokens in usage and metrics, and keeps the name after a revoke', async () => {
    let notify: (records: ReadonlyArray<{ name: string; sha256: string }>) => void = () => undefined;
    const registry: NamedTokenSource = {
      list: () => Promise.resolve([{ name: 'alice', sha256: aliceHash }]),
      watch: (onChange) => {
        notify = onChange;
        return () => undefined;
      },
    };
    const config = loadConfig({ OPENAI_API_KEY: 'sk-x', PARLEY_TOKEN: MAIN, PARLEY_ADMIN_TOKEN: ADMIN });
    const logger = createLogger({ secrets: [], logText: false, write: () => undefined });
    const observability = createObservability({ config, token: MAIN, logger, connections: () => 0, namedTokens: registry });
    await Promise.resolve();
    observability.observer.turnEnded({ sessionHash: 'h', tokenId: aliceId, turnId: 1, kind: 'text', transport: 'ws', outcome: 'ok', totalMs: 5, chunks: 1, promptTokens: 9 });

    server = createServer((req, res) => void observability.routes(req, res, new URL(req.url ?? '/', 'http://x.invalid')));
    await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const get = async (path: string) => (await fetch(`${url}${path}`, { headers: { Authorization: `Bearer ${ADMIN}` } })).text();

    expect(sampleValue(await get('/metrics'), 'parley_token_prompt_tokens_total', { token: 'alice' })).toBe(9);
    const usage = JSON.parse(await get('/admin/usage?token=alice')) as { tokens: Array<{ id: string; name: string; configured: boolean; total: { promptTokens: number } }> };
    expect(usage.tokens).toEqual([expect.objectContaining({ id: aliceId, name: 'alice', configured: true, total: expect.objectContaining({ promptTokens: 9 }) })]);

    notify([]);
    const after = JSON.parse(await get('/admin/usage?token=alice')) as { tokens: Array<{ name: string; configured: boolean }> };
    expect(after.tokens).toEqual([expect.objectContaining({ name: 'alice', configured: false })]);
    observability.close();
  });
});
