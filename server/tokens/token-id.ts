// A token's stable, non-secret identity: what usage, metrics and logs name a token by.
import { createHash } from 'node:crypto';

/**
 * The first 16 hex digits of the token's SHA-256: stable across restarts and instances, safe to
 * print, and not reversible for a token of at least 16 random characters. Equal to the rate
 * limiter's `tokenKey` (server/transport/auth.ts), so a token has one id everywhere.
 */
export function tokenIdOf(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex').slice(0, 16);
}
