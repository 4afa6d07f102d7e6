// @vitest-environment node
// One contract, every backend: the in-memory store here; Redis joins in the same file.
import { createMemorySessionStore } from '../../../../server/session/memory-store.ts';
import { describeSessionStore } from './store-contract.ts';

describeSessionStore({
  name: 'memory',
  create: async (limits) => createMemorySessionStore({ ...limits, maxSessions: 1000, sweepMs: 50 }),
});
