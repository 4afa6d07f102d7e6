import { mkdtemp, readFile, stat, writeFile } from 'node:fs/promises';
import type { IncomingMessage } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { timingSafeEqual } from 'node:crypto';
import { createTokenCheck, isOriginAllowed, tokenFromBearer, tokenFromUpgrade } from '../../../../server/transport/auth.ts';
import { tokenIdOf } from '../../../../server/transport/token-id.ts';
import { resolveToken } from '../../../../server/transport/token-store.ts';

const req = (headers: Record<string, string>, url = '/') => ({ headers, url }) as unknown as IncomingMessage;

describe('token check', () => {
  it('accepts only the exact token', () => {
    const check = createTokenCheck('the-right-token-123');
    expect(check('the-right-token-123')).toBe(true);
    expect(check('the-right-token-12')).toBe(false);
    expect(check('the-right-token-1234')).toBe(false);
    expect(check('')).toBe(false);
    expect(check(undefined)).toBe(false);
  });

  it('accepts each of several tokens and nothing else', () => {
    const tokens = ['first-token-0123456', 'second-token-0123456', 'third-token-0123456'];
    const check = createTokenCheck(tokens);
    for (const token of tokens) expect(check(token)).toBe(true);
    expect(check('second-token-012345')).toBe(false);
    expect(check(`${tokens[0]}${tokens[1]}`)).toBe(false);
    expect(check('')).toBe(false);
    expect(check(undefined)).toBe(false);
  });

  it('compares the candidate with every token in constant time, even after a match', () => {
    const calls: Array<[Buffer, Buffer]> = [];
    const spy = (a: Buffer, b: Buffer) => {
      calls.push([a, b]);
      return timingSafeEqual(a, b);
    };
    const check = createTokenCheck(['first-token-0123456', 'second-token-0123456', 'third-token-0123456'], spy);
    for (const candidate of ['first-token-0123456', 'third-token-0123456', 'wrong-token-01234567', undefined]) {
      calls.length = 0;
      check(candidate);
      expect(calls).toHaveLength(3);
      // Digests, not the tokens: equal lengths whatever was sent.
      expect(calls.every(([a, b]) => a.length === 32 && b.length === 32)).toBe(true);
      expect(new Set(calls.map(([, b]) => b.toString('hex'))).size).toBe(3);
    }
  });

  it('labels each accepted token differently and never with the token itself', () => {
    const keys = ['first-token-0123456', 'second-token-0123456'].map((t) => tokenIdOf(t));
    expect(keys[0]).not.toBe(keys[1]);
    expect(keys[0]).toMatch(/^[0-9a-f]{16}$/);
    expect('first-token-0123456').not.toContain(keys[0]);
    expect(tokenIdOf('first-token-0123456')).toBe(keys[0]);
  });

  it('reads the token from the subprotocol, the query, or a Bearer header', () => {
    expect(tokenFromUpgrade(req({ 'sec-websocket-protocol': 'parley.v1, parley-token.abc' }))).toBe('abc');
    expect(tokenFromUpgrade(req({}, '/?token=xyz'))).toBe('xyz');
    expect(tokenFromUpgrade(req({}))).toBeUndefined();
    expect(tokenFromBearer(req({ authorization: 'Bearer t0k' }))).toBe('t0k');
    expect(tokenFromBearer(req({ authorization: 'Basic t0k' }))).toBeUndefined();
  });
});

describe('origin policy', () => {
  const open = { allowedOrigins: ['https://ok.example'], extensionIds: [] };
  it('allows extensions, origin-less clients and configured origins only', () => {
    expect(isOriginAllowed(undefined, open)).toBe(true);
    expect(isOriginAllowed('chrome-extension://abc', open)).toBe(true);
    expect(isOriginAllowed('moz-extension://uuid', open)).toBe(true);
    expect(isOriginAllowed('safari-web-extension://id', open)).toBe(true);
    expect(isOriginAllowed('https://ok.example', open)).toBe(true);
    expect(isOriginAllowed('https://evil.example', open)).toBe(false);
    expect(isOriginAllowed('null', open)).toBe(false);
  });
  it('pins extension ids when configured', () => {
    const pinned = { allowedOrigins: [], extensionIds: ['good'] };
    expect(isOriginAllowed('chrome-extension://good', pinned)).toBe(true);
    expect(isOriginAllowed('chrome-extension://bad', pinned)).toBe(false);
  });
});

describe('token store', () => {
  it('generates a 256-bit token once, stores it 0600 in a 0700 dir, and reuses it', async () => {
    const dir = join(await mkdtemp(join(tmpdir(), 'parley-token-')), 'nested');
    const first = await resolveToken(undefined, dir);
    expect(first.source).toBe('generated');
    expect(Buffer.from(first.token, 'base64url')).toHaveLength(32);
    expect((await stat(join(dir, 'token'))).mode & 0o777).toBe(0o600);
    expect((await stat(dir)).mode & 0o777).toBe(0o700);
    const second = await resolveToken(undefined, dir);
    expect(second).toMatchObject({ source: 'file', token: first.token });
    expect((await readFile(join(dir, 'token'), 'utf8')).trim()).toBe(first.token);
  });
  it('prefers PARLEY_TOKEN and regenerates a blank file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'parley-token-'));
    expect(await resolveToken('from-env-token-value', dir)).toEqual({ token: 'from-env-token-value', source: 'env', path: undefined });
    await writeFile(join(dir, 'token'), '\n');
    expect((await resolveToken(undefined, dir)).source).toBe('generated');
  });
});
