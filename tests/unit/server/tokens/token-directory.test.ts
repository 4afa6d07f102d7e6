import { describe, expect, it } from 'vitest';
import { createTokenDirectory } from '../../../../server/tokens/token-directory.ts';
import { tokenIdOf } from '../../../../server/transport/token-id.ts';

const MAIN = 'main-token-0123456789abcdef';
const OTHER = 'other-token-0123456789abcde';

describe('token ids and names', () => {
  it('gives a token one stable, non-secret id', () => {
    const id = tokenIdOf(MAIN);
    expect(id).toMatch(/^[0-9a-f]{16}$/);
    expect(tokenIdOf(MAIN)).toBe(id);
    expect(id).not.toContain(MAIN.slice(0, 6));
    expect(tokenIdOf(OTHER)).not.toBe(id);
  });

  it('resolves names and ids and labels unnamed tokens by id', () => {
    const directory = createTokenDirectory([{ token: MAIN, name: 'default' }, { token: OTHER }]);
    expect(directory.resolve('default')).toBe(tokenIdOf(MAIN));
    expect(directory.resolve(tokenIdOf(OTHER))).toBe(tokenIdOf(OTHER));
    expect(directory.resolve('nobody')).toBeUndefined();
    // A token itself is not a way to name it: that would leak which string is a token.
    expect(directory.resolve(OTHER)).toBeUndefined();
    expect(directory.label(tokenIdOf(MAIN))).toBe('default');
    expect(directory.label(tokenIdOf(OTHER))).toBe(tokenIdOf(OTHER));
    expect(directory.list()).toEqual([{ id: tokenIdOf(MAIN), name: 'default' }, { id: tokenIdOf(OTHER) }]);
  });

  it('takes named tokens from the registry and remembers the names of revoked ones', () => {
    const directory = createTokenDirectory([{ token: MAIN, name: 'default' }]);
    const alice = 'aaaaaaaaaaaaaaaa';
    directory.setNamed([{ id: alice, name: 'alice' }]);
    expect(directory.resolve('alice')).toBe(alice);
    expect(directory.label(alice)).toBe('alice');
    expect(directory.list().map((entry) => entry.name)).toEqual(['default', 'alice']);
    // Revoked: no longer listed (not accepted), but its usage still reads as alice's.
    directory.setNamed([]);
    expect(directory.list().map((entry) => entry.name)).toEqual(['default']);
    expect(directory.label(alice)).toBe('alice');
    expect(directory.resolve('alice')).toBe(alice);
    expect(directory.resolve(alice)).toBeUndefined();
  });
});
