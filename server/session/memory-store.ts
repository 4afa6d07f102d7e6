// In-memory SessionStore (one relay process): bounded by idle age, by count per token and overall.
// It keeps a private copy of each session that it never hands out and never changes in place, and
// hands out copies only, so nobody can change a session except through update(): the same contract
// as the Redis store (tests/unit/server/session/session-store.test.ts runs both). Until 2026-11-30 it
// kept JSON text; parsing and serialising the whole session in each of a turn's two writes cost
// more than copying its few objects (session-copy.ts).
import { copySessionState } from './session-copy.ts';
import { emptySessionState, type SessionState } from './session.ts';
import type { SessionKey, SessionLimits, SessionStore } from './session-store.ts';

export interface MemoryStoreOptions extends SessionLimits {
  /** Overall cap, a memory bound; the per-token cap keeps one token from filling it alone. */
  maxSessions: number;
  now?: () => number;
  /** How often idle sessions are swept; defaults to a quarter of the TTL, at most a minute. */
  sweepMs?: number;
}

interface Entry {
  key: SessionKey;
  /** Replaced by each update, never changed in place and never handed out. */
  state: SessionState;
  lastActiveAt: number;
}

// JSON of a pair cannot collide the way "a:b" + "c" and "a" + "b:c" would.
const mapKey = (key: SessionKey) => JSON.stringify([key.tokenId, key.clientId]);

export function createMemorySessionStore(options: MemoryStoreOptions): SessionStore {
  const now = options.now ?? Date.now;
  // Maps iterate in insertion order; re-inserting on use makes the first key the least recently used.
  const sessions = new Map<string, Entry>();
  const byToken = new Map<string, Map<string, true>>();

  const isExpired = (entry: Entry) => now() - entry.lastActiveAt > options.ttlMs;
  const remove = (id: string) => {
    const entry = sessions.get(id);
    if (!entry) return;
    sessions.delete(id);
    const own = byToken.get(entry.key.tokenId);
    own?.delete(id);
    if (own?.size === 0) byToken.delete(entry.key.tokenId);
  };
  const current = (id: string) => {
    const entry = sessions.get(id);
    if (entry && isExpired(entry)) {
      remove(id);
      return undefined;
    }
    return entry;
  };
  const sweep = () => {
    for (const [id, entry] of sessions) if (isExpired(entry)) remove(id);
  };
  const timer = setInterval(sweep, options.sweepMs ?? Math.min(60_000, Math.max(1000, options.ttlMs / 4)));
  // Never keep the process alive just to sweep.
  timer.unref();

  return {
    async load(key) {
      const entry = current(mapKey(key));
      return entry ? copySessionState(entry.state) : undefined;
    },
    // No await inside: load, mutate and save run in one go, which is what makes this atomic.
    async update(key, mutate) {
      const id = mapKey(key);
      const stored = current(id)?.state;
      const existed = stored !== undefined;
      // `mutate` changes a copy of its own; what it returns or keeps may point into that copy, so the
      // store saves a second copy, and the first goes back to the caller as the state as saved.
      const state = existed ? copySessionState(stored) : emptySessionState();
      const value = mutate(state, existed);
      const saved = copySessionState(state);
      sessions.delete(id);
      sessions.set(id, { key, state: saved, lastActiveAt: now() });
      let own = byToken.get(key.tokenId);
      if (!own) byToken.set(key.tokenId, (own = new Map()));
      own.delete(id);
      own.set(id, true);
      while (own.size > options.maxPerToken) {
        const oldest = own.keys().next().value;
        if (oldest === undefined) break;
        remove(oldest);
      }
      while (sessions.size > options.maxSessions) {
        const oldest = sessions.keys().next().value;
        if (oldest === undefined) break;
        remove(oldest);
      }
      return { value, existed, state };
    },
    async delete(key) {
      remove(mapKey(key));
    },
    async countForToken(tokenId) {
      let count = 0;
      for (const id of byToken.get(tokenId)?.keys() ?? []) if (current(id)) count++;
      return count;
    },
    async close() {
      clearInterval(timer);
    },
  };
}
