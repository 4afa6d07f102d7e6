// @vitest-environment node
// Who gets the operator routes, over a real loopback socket.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { AdminConfig } from '../../../../server/admin-config.ts';
import { createAdminRoutes } from '../../../../server/http/admin.ts';
import { createRelayMetrics } from '../../../../server/metrics/relay-metrics.ts';
import { createTokenDirectory } from '../../../../server/tokens/token-directory.ts';
import { createAuthThrottle, type AuthThrottle } from '../../../../server/transport/auth-throttle.ts';
import { createMemoryUsageStore } from '../../../../server/usage/memory-usage-store.ts';

const ADMIN = 'admin-Hbrc3BMtK3gMwjZc_qvULntm8Lq6YJzr';
let server: Server | undefined;

async function serve(config: AdminConfig, authThrottle?: AuthThrottle): Promise<string> {
  const routes = createAdminRoutes({
    ...(authThrottle ? { authThrottle } : {}),
    config,
    usage: createMemoryUsageStore({ retentionDays: config.usageDays }),
    tokens: createTokenDirectory([{ token: 'client-token-0123456789abcdef', name: 'default' }]),
    metrics: createRelayMetrics({ connections: () => 0, tokenLabel: (id) => id, processMetrics: false }),
  });
  server = createServer((req, res) => {
    void routes(req, res, new URL(req.url ?? '/', 'http://x.invalid')).then((handled) => {
      if (!handled) res.writeHead(418).end();
    });
  });
  await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server?.address() as AddressInfo).port}`;
}

afterEach(async () => {
  await new Promise((resolve) => server?.close(resolve));
  server = undefined;
});

const auth = { Authorization: `Bearer ${ADMIN}` };

describe('admin routes', () => {
  it('do not exist when neither an admin token nor public metrics are configured', async () => {
    const url = await serve({ token: undefined, metricsPublic: false, usageDays: 30 });
    expect((await fetch(`${url}/admin/usage`, { headers: auth })).status).toBe(404);
    expect((await fetch(`${url}/metrics`, { headers: auth })).status).toBe(404);
  });

  it('leave every other path to the caller', async () => {
    const url = await serve({ token: ADMIN, metricsPublic: true, usageDays: 30 });
    expect((await fetch(`${url}/admin`, { headers: auth })).status).toBe(418);
    expect((await fetch(`${url}/metrics/`, { headers: auth })).status).toBe(418);
    expect((await fetch(`${url}/admin/usage/x`, { headers: auth })).status).toBe(418);
  });

  it('need the admin token for /metrics unless metrics are public', async () => {
    const url = await serve({ token: ADMIN, metricsPublic: false, usageDays: 30 });
    const refused = await fetch(`${url}/metrics`);
    expect(refused.status).toBe(401);
    expect(refused.headers.get('www-authenticate')).toBe('Bearer');
    const ok = await fetch(`${url}/metrics`, { headers: auth });
    expect(ok.status).toBe(200);
    expect(await ok.text()).toContain('# TYPE parley_turns_total counter');
    const head = await fetch(`${url}/metrics`, { method: 'HEAD', headers: auth });
    expect(head.status).toBe(200);
    expect(await head.text()).toBe('');
  });

  it('still accept the admin token for a proxied scrape when metrics are public', async () => {
    const url = await serve({ token: ADMIN, metricsPublic: true, usageDays: 30 });
    const proxied = { 'X-Forwarded-For': '198.51.100.1' };
    expect((await fetch(`${url}/metrics`, { headers: proxied })).status).toBe(401);
    expect((await fetch(`${url}/metrics`, { headers: { ...proxied, ...auth } })).status).toBe(200);
    expect((await fetch(`${url}/metrics`)).status).toBe(200);
  });

  it('list configured tokens with zeros before any turn', async () => {
    const url = await serve({ token: ADMIN, metricsPublic: false, usageDays: 7 });
    const body = (await (await fetch(`${url}/admin/usage`, { headers: auth })).json()) as { tokens: Array<{ name: string; total: Record<string, number> }> };
    expect(body.tokens).toEqual([
      expect.objectContaining({ name: 'default', configured: true, total: { turns: 0, promptTokens: 0, completionTokens: 0, transcribedSeconds: 0, spokenChars: 0 }, days: [] }),
    ]);
  });

  it('throttle admin token guesses like client token guesses', async () => {
    const throttle = createAuthThrottle({ maxFailures: 2, windowMs: 60_000, baseBlockMs: 5_000, maxBlockMs: 60_000 });
    const url = await serve({ token: ADMIN, metricsPublic: false, usageDays: 30 }, throttle);
    const guess = { Authorization: `Bearer ${ADMIN.slice(0, -1)}x` };
    expect((await fetch(`${url}/admin/usage`, { headers: guess })).status).toBe(401);
    expect((await fetch(`${url}/metrics`, { headers: guess })).status).toBe(401);
    // Blocked now: even the right token waits, so a guesser cannot tell a hit from the block.
    const blocked = await fetch(`${url}/admin/usage`, { headers: auth });
    expect(blocked.status).toBe(429);
    expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(0);
  });
});
