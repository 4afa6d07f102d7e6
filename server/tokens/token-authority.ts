// Which tokens the relay accepts right now: the configured ones (PARLEY_TOKEN or the generated one,
// PARLEY_TOKENS) plus the registry's named tokens, which change while the relay runs. Every check
// compares the candidate's SHA-256 with every accepted hash in constant time and without an early
// exit, exactly like createTokenCheck; revocations are reported so live connections can be closed.
import { createHash, timingSafeEqual } from 'node:crypto';
import { tokenIdOf } from '../transport/token-id.ts';
import type { TokenRecord, TokenRegistry } from './token-registry.ts';

export interface TokenLimits {
  turnsPerMinute?: number;
  dailyBudget?: number;
}

export interface TokenAuthority {
  check(candidate: string | undefined): boolean;
  /** Own limits of a named token; undefined for configured tokens (relay-wide limits apply). */
  limitsOf(tokenId: string): TokenLimits | undefined;
  /** True for a named token revoked while this relay runs (connections opened just before). */
  isRevoked(tokenId: string): boolean;
  /** Name for logs and usage; undefined for configured tokens. */
  nameOf(tokenId: string): string | undefined;
  dispose(): void;
}

export interface TokenAuthorityOptions {
  /** Configured tokens, in plain text (they come from the environment or the token file). */
  tokens: readonly string[];
  registry?: TokenRegistry;
  /** Token ids whose named token disappeared from the registry. */
  onRevoked?: (tokenIds: string[]) => void;
  onError?: (error: unknown) => void;
  compare?: (a: Buffer, b: Buffer) => boolean;
}

const sha256 = (value: string) => createHash('sha256').update(value, 'utf8').digest();

export async function createTokenAuthority(options: TokenAuthorityOptions): Promise<TokenAuthority> {
  const compare = options.compare ?? timingSafeEqual;
  const configured = options.tokens.map(sha256);
  let named = new Map<string, TokenRecord>();
  let namedDigests: Buffer[] = [];
  const revoked = new Set<string>();

  const apply = (records: TokenRecord[]) => {
    const next = new Map(records.map((r) => [r.sha256.slice(0, 16), r]));
    const gone = [...named.keys()].filter((id) => !next.has(id));
    for (const id of gone) revoked.add(id);
    // A token issued again under a hash seen before (practically impossible) is no longer revoked.
    for (const id of next.keys()) revoked.delete(id);
    named = next;
    namedDigests = records.map((r) => Buffer.from(r.sha256, 'hex'));
    if (gone.length > 0) options.onRevoked?.(gone);
  };

  let stopWatching = () => undefined as void;
  if (options.registry) {
    // At start a broken registry is fatal (the caller reports it); later a broken write is logged and
    // the last good list stays in force.
    apply(await options.registry.list());
    stopWatching = options.registry.watch(apply, (error) => options.onError?.(error));
  }
  if (configured.length === 0 && named.size === 0) throw new Error('createTokenAuthority needs at least one token.');

  return {
    check(candidate) {
      // Hash even when absent so a missing token costs the same as a wrong one.
      const digest = sha256(candidate ?? '');
      let matches = false;
      for (const expected of configured) matches = compare(digest, expected) || matches;
      for (const expected of namedDigests) matches = compare(digest, expected) || matches;
      return candidate !== undefined && matches;
    },
    limitsOf(tokenId) {
      const record = named.get(tokenId);
      if (!record) return undefined;
      return { turnsPerMinute: record.turnsPerMinute, dailyBudget: record.dailyBudget };
    },
    isRevoked: (tokenId) => revoked.has(tokenId),
    nameOf: (tokenId) => named.get(tokenId)?.name,
    dispose: () => stopWatching(),
  };
}

/** The hash a registry stores for a token (the id is its first 16 hex digits, as tokenIdOf gives). */
export function registryHash(token: string): string {
  const hex = sha256(token).toString('hex');
  if (hex.slice(0, 16) !== tokenIdOf(token)) throw new Error('token id and registry hash disagree');
  return hex;
}
