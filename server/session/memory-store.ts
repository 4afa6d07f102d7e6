// In-memory SessionStore bounded by count (least recently used goes first) and idle age.
import { createSession, type Session } from './session.ts';
import type { SessionStore } from './session-store.ts';

export interface MemoryStoreOptions {
  maxSessions: number;
  ttlMs: number;
  now?: () => number;
  /** How often idle sessions are swept; defaults to a quarter of the TTL, at most a minute. */
  sweepMs?: number;
}

export function createMemorySessionStore(options: MemoryStoreOptions): SessionStore {
  const now = options.now ?? Date.now;
  // A Map iterates in insertion order; re-inserting on use makes the first key the least recently used.
  const sessions = new Map<string, Session>();

  const isExpired = (session: Session) => now() - session.lastActiveAt > options.ttlMs;
  const bump = (session: Session) => {
    session.lastActiveAt = now();
    sessions.delete(session.id);
    sessions.set(session.id, session);
  };
  const sweep = () => {
    for (const [id, session] of sessions) if (isExpired(session)) sessions.delete(id);
  };
  const timer = setInterval(sweep, options.sweepMs ?? Math.min(60_000, Math.max(1000, options.ttlMs / 4)));
  // Never keep the process alive just to sweep.
  timer.unref();

  return {
    async get(id) {
      const session = sessions.get(id);
      if (session && isExpired(session)) {
        sessions.delete(id);
        return undefined;
      }
      return session;
    },
    async create(id) {
      const session = createSession(id, now());
      sessions.delete(id);
      sessions.set(id, session);
      while (sessions.size > options.maxSessions) {
        const oldest = sessions.keys().next().value;
        if (oldest === undefined) break;
        sessions.delete(oldest);
      }
      return session;
    },
    async save(session) {
      // Objects are shared by reference here, so saving only refreshes its place and age.
      if (sessions.get(session.id) === session) bump(session);
    },
    async touch(id) {
      const session = sessions.get(id);
      if (session) bump(session);
    },
    async delete(id) {
      sessions.delete(id);
    },
    async size() {
      return sessions.size;
    },
    close() {
      clearInterval(timer);
    },
  };
}
