// Where sessions live. Async so a shared store (Redis, SQLite) can replace the in-memory one later.
import type { Session } from './session.ts';

export interface SessionStore {
  get(id: string): Promise<Session | undefined>;
  /** Creates a fresh session, replacing any existing one with that id. */
  create(id: string): Promise<Session>;
  /** Persists changes to a session and marks it active (a no-op copy for the in-memory store). */
  save(session: Session): Promise<void>;
  /** Marks a session active so the idle sweep keeps it. */
  touch(id: string): Promise<void>;
  delete(id: string): Promise<void>;
  size(): Promise<number>;
  /** Stops timers. */
  close(): void;
}

/** Gets a session, creating it when absent. */
export async function getOrCreateSession(store: SessionStore, id: string): Promise<{ session: Session; existed: boolean }> {
  const found = await store.get(id);
  if (found) {
    await store.touch(id);
    return { session: found, existed: true };
  }
  return { session: await store.create(id), existed: false };
}
