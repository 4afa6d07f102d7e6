import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createTokenAuthority, registryHash } from '../../../../server/tokens/token-authority.ts';
import type { TokenRecord, TokenRegistry } from '../../../../server/tokens/token-registry.ts';
import { runTokensCli } from '../../../../server/tokens/tokens-cli.ts';
import { tokenIdOf } from '../../../../server/transport/token-id.ts';

const OWNER = 'owner-kQ7vX2pL9mZr4TwY8bN3cF6hJ1dS5gK';
const record = (name: string, token: string, extra: Partial<TokenRecord> = {}): TokenRecord => ({
  name,
  sha256: registryHash(token),
  createdAt: '2026-11-30T00:00:00.000Z',
  ...extra,
});

/** A registry whose changes the test pushes by hand. */
function memoryRegistry(initial: TokenRecord[]) {
  let records = initial;
  let listener: ((records: TokenRecord[]) => void) | undefined;
  const registry: TokenRegistry = {
    list: () => Promise.resolve(records),
    add: () => Promise.reject(new Error('unused')),
    revoke: () => Promise.reject(new Error('unused')),
    watch(onChange) {
      listener = onChange;
      return () => (listener = undefined);
    },
  };
  return {
    registry,
    set(next: TokenRecord[]) {
      records = next;
      listener?.(next);
    },
  };
}

describe('createTokenAuthority', () => {
  it('accepts configured and named tokens, compares against every hash without an early exit, and reports revocations', async () => {
    const { registry, set } = memoryRegistry([record('alice', 'alice-token-1'), record('bob', 'bob-token-22', { turnsPerMinute: 3, dailyBudget: 50 })]);
    let compares = 0;
    const revoked: string[][] = [];
    const authority = await createTokenAuthority({
      tokens: [OWNER],
      registry,
      onRevoked: (ids) => revoked.push(ids),
      compare: (a, b) => {
        compares++;
        return a.equals(b);
      },
    });
    for (const candidate of [OWNER, 'alice-token-1', 'bob-token-22', 'wrong', undefined]) {
      compares = 0;
      authority.check(candidate);
      expect(compares).toBe(3);
    }
    expect([OWNER, 'alice-token-1', 'bob-token-22', 'wrong', undefined].map((t) => authority.check(t))).toEqual([true, true, true, false, false]);
    expect(authority.limitsOf(tokenIdOf('bob-token-22'))).toEqual({ turnsPerMinute: 3, dailyBudget: 50 });
    expect(authority.limitsOf(tokenIdOf(OWNER))).toBeUndefined();
    expect(authority.nameOf(tokenIdOf('alice-token-1'))).toBe('alice');

    set([record('bob', 'bob-token-22', { turnsPerMinute: 3, dailyBudget: 50 })]);
    expect(revoked).toEqual([[tokenIdOf('alice-token-1')]]);
    expect(authority.check('alice-token-1')).toBe(false);
    expect(authority.isRevoked(tokenIdOf('alice-token-1'))).toBe(true);
    expect(authority.isRevoked(tokenIdOf('bob-token-22'))).toBe(false);
    authority.dispose();
  });
});

describe('tokens CLI', () => {
  let dir = '';
  afterEach(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('adds, lists and revokes, storing hashes only in a 0600 file', async () => {
    dir = await mkdtemp(join(tmpdir(), 'parley-cli-'));
    const out: string[] = [];
    const io = { out: (text: string) => out.push(text) };
    await runTokensCli(['add', 'alice', '--turns-per-minute', '4', '--daily-budget', '90'], dir, io);
    const token = out[0]?.split('\n')[1] ?? '';
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const file = await readFile(join(dir, 'tokens.json'), 'utf8');
    expect(file).not.toContain(token);
    expect(JSON.parse(file)).toMatchObject({ tokens: [{ name: 'alice', sha256: registryHash(token), turnsPerMinute: 4, dailyBudget: 90 }] });
    expect((await stat(join(dir, 'tokens.json'))).mode & 0o777).toBe(0o600);

    out.length = 0;
    await runTokensCli(['list'], dir, io);
    expect(out.join('')).toMatch(new RegExp(`alice\\s+${tokenIdOf(token)}\\s+.*\\s4\\s+90`));
    expect(out.join('')).not.toContain(token);

    await expect(runTokensCli(['add', 'alice'], dir, io)).rejects.toThrow(/exists/);
    await expect(runTokensCli(['add', 'bad name'], dir, io)).rejects.toThrow(/NAME must be/);
    await expect(runTokensCli(['add', 'x', '--daily-budget', '-1'], dir, io)).rejects.toThrow();
    await expect(runTokensCli(['revoke', 'nobody'], dir, io)).rejects.toThrow(/No token named "nobody"/);
    await expect(runTokensCli(['rotate'], dir, io)).rejects.toThrow(/Usage:/);

    await runTokensCli(['revoke', 'alice'], dir, io);
    expect(JSON.parse(await readFile(join(dir, 'tokens.json'), 'utf8'))).toEqual({ version: 1, tokens: [] });
  });
});
