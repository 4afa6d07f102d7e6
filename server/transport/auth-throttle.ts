// Failed authentications per client address: after `maxFailures` in `windowMs`, the address is
// refused at the door (HTTP 429 + Retry-After) for a block that doubles with each repeat, capped.
// Guessing a 256-bit token is hopeless anyway; this keeps a guesser or a misconfigured client from
// costing handshakes, log lines and close timers without end (issue 10).

export interface AuthThrottleOptions {
  maxFailures: number;
  windowMs: number;
  /** First block; each further block in a row doubles it. */
  baseBlockMs: number;
  maxBlockMs: number;
  /** Addresses tracked at most; the least recently failing are forgotten first. */
  maxAddresses?: number;
  now?: () => number;
}

/** Async so a shared store (server/redis/redis-auth-throttle.ts) can stand behind it. */
export interface AuthThrottle {
  /** Milliseconds this address must wait before trying again; 0 when it may try now. */
  blockedFor(address: string): Promise<number>;
  /** A missing or wrong token from this address; resolves to the block it started, in ms (0 = none). */
  recordFailure(address: string): Promise<number>;
}

/** The in-process throttle, with its synchronous core exposed for unit tests. */
export interface MemoryAuthThrottle extends AuthThrottle {
  blockedForNow(address: string): number;
  recordFailureNow(address: string): number;
  /** Addresses currently tracked. */
  size(): number;
}

interface AddressState {
  failures: number[];
  blockedUntil: number;
  /** Blocks in a row; reset once the address has been quiet for maxBlockMs after its last block. */
  strikes: number;
}

const DEFAULT_MAX_ADDRESSES = 10_000;

export function createAuthThrottle(options: AuthThrottleOptions): MemoryAuthThrottle {
  const now = options.now ?? Date.now;
  const maxAddresses = options.maxAddresses ?? DEFAULT_MAX_ADDRESSES;
  const states = new Map<string, AddressState>();

  const isStale = (state: AddressState, t: number) =>
    t >= state.blockedUntil + options.maxBlockMs && state.failures.every((at) => t - at >= options.windowMs);

  const touch = (address: string, t: number): AddressState => {
    let state = states.get(address);
    if (state && isStale(state, t)) state = undefined;
    states.delete(address);
    state ??= { failures: [], blockedUntil: 0, strikes: 0 };
    // Re-inserted last: Map order is then least recently failing first, which is what eviction drops.
    states.set(address, state);
    for (const key of states.keys()) {
      if (states.size <= maxAddresses) break;
      states.delete(key);
    }
    return state;
  };

  const blockedForNow = (address: string) => {
    const state = states.get(address);
    if (!state) return 0;
    return Math.max(0, state.blockedUntil - now());
  };
  const recordFailureNow = (address: string) => {
    const t = now();
    const state = touch(address, t);
    state.failures = state.failures.filter((at) => t - at < options.windowMs);
    state.failures.push(t);
    if (state.failures.length < options.maxFailures) return 0;
    const blockMs = Math.min(options.maxBlockMs, options.baseBlockMs * 2 ** state.strikes);
    state.strikes++;
    state.blockedUntil = t + blockMs;
    state.failures = [];
    return blockMs;
  };
  return {
    blockedForNow,
    recordFailureNow,
    blockedFor: (address) => Promise.resolve(blockedForNow(address)),
    recordFailure: (address) => Promise.resolve(recordFailureNow(address)),
    size: () => states.size,
  };
}
