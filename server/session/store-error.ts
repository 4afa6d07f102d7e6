// The session store or rate limiter backend (Redis) could not be reached or did not answer in time.
// Converted to the wire code STORE_UNAVAILABLE (retryable) in turn-errors.ts, the one place.
export class StoreUnavailableError extends Error {
  override readonly name = 'StoreUnavailableError';
  constructor(operation: string, options?: { cause?: unknown }) {
    super(`session store unavailable during ${operation}`, options);
  }
}
