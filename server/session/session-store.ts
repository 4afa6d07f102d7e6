// Where sessions live. A session belongs to a token identity AND a client id: client ids are chosen
// by clients, so keying by the id alone let one token read and change another token's conversation
// (issue 10). Stores hand out copies only; a change is load → mutate → save in one `update`, which
// each store makes atomic (the memory store by running it synchronously, Redis by compare-and-set).
import { createHash } from 'node:crypto';
import { emptySessionState, type SessionState } from './session.ts';

export interface SessionKey {
  /** tokenIdOf(token): never the token itself. */
  readonly tokenId: string;
  readonly clientId: string;
}

export interface SessionUpdate<T> {
  value: T;
  /** False when this update created the session. */
  existed: boolean;
  /** A copy of the state as saved. */
  state: SessionState;
}

export interface SessionStore {
  /** A copy of the session's state, or undefined when it does not exist (or expired). */
  load(key: SessionKey): Promise<SessionState | undefined>;
  /**
   * Loads the session (a fresh empty one when absent), lets `mutate` change that private copy,
   * saves it and marks it active. Atomic per session: concurrent updates never lose each other's
   * changes. Creating a session beyond the token's cap evicts that token's least recently used one.
   * Rejects with StoreUnavailableError when the backing store cannot be reached.
   */
  update<T>(key: SessionKey, mutate: (state: SessionState, existed: boolean) => T): Promise<SessionUpdate<T>>;
  delete(key: SessionKey): Promise<void>;
  /** Sessions held for one token. */
  countForToken(tokenId: string): Promise<number>;
  /** Stops timers and connections. */
  close(): Promise<void>;
}

export interface SessionLimits {
  /** Idle sessions are forgotten after this long. */
  ttlMs: number;
  /** At most this many sessions per token; a new one evicts that token's least recently used. */
  maxPerToken: number;
}

/** Logged instead of the key: short, stable, and neither the client id nor the token. */
export function sessionHash(key: SessionKey): string {
  return createHash('sha256').update(key.tokenId).update('\0').update(key.clientId).digest('hex').slice(0, 12);
}

/** Runs `mutate` on a copy of `stored` (JSON) or on an empty state: the Redis store, which keeps JSON (the memory store keeps objects, memory-store.ts). */
export function applyUpdate<T>(
  stored: string | undefined,
  mutate: (state: SessionState, existed: boolean) => T,
): { value: T; existed: boolean; state: SessionState; json: string } {
  const existed = stored !== undefined;
  const state = existed ? (JSON.parse(stored) as SessionState) : emptySessionState();
  const value = mutate(state, existed);
  // The store keeps only the JSON, so handing `state` back shares nothing with it.
  return { value, existed, state, json: JSON.stringify(state) };
}
