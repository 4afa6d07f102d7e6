// The one place a client token becomes an identity. Sessions, turn budgets and logs are keyed by
// this id, never by the token: the id is not secret (a SHA-256 prefix cannot be turned back into a
// 256-bit token), stable across restarts and instances, and the same for every listener.
import { createHash } from 'node:crypto';

/** 16 hex digits (64 bits) of SHA-256: collisions between a team's tokens are not a concern. */
export function tokenIdOf(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex').slice(0, 16);
}
