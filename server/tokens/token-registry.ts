// Named client tokens issued by `npm run relay -- tokens add NAME`: only a SHA-256 hash of each
// token is kept, with its name, creation time and optional own limits. The registry is an interface
// so a shared store (Redis) can hold it for several machines; the file backend serves one machine
// (every relay process there watches the same file).

export interface TokenRecord {
  name: string;
  /** Hex SHA-256 of the token; its first 16 digits are the token id (server/transport/token-id.ts). */
  sha256: string;
  createdAt: string;
  /** Replaces PARLEY_TURNS_PER_MINUTE for this token. */
  turnsPerMinute?: number;
  /** Turns per day (24 h window from the first turn), on top of the per-minute limit. */
  dailyBudget?: number;
}

export interface TokenRegistry {
  /** Current records; throws TokenRegistryError when the stored data is unreadable. */
  list(): Promise<TokenRecord[]>;
  /** Throws TokenRegistryError when the name is taken. */
  add(record: TokenRecord): Promise<void>;
  /** The removed record, or undefined when no token has that name. */
  revoke(name: string): Promise<TokenRecord | undefined>;
  /**
   * Calls back with the full list whenever it changes, in this process or another one using the
   * same storage (and once more on errors, with the error). Returns a remover.
   */
  watch(onChange: (records: TokenRecord[]) => void, onError: (error: unknown) => void): () => void;
}

/** A problem with the registry's data or a request to it; the message says what to do. */
export class TokenRegistryError extends Error {
  override readonly name = 'TokenRegistryError';
}

export const TOKEN_NAME_RE = /^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$/;
const SHA256_RE = /^[0-9a-f]{64}$/;

const positive = (value: unknown) => value === undefined || (Number.isInteger(value) && (value as number) > 0);

/** Validates stored data (a file anyone with access may have edited by hand). */
export function parseTokenRecords(value: unknown, where: string): TokenRecord[] {
  const tokens = typeof value === 'object' && value !== null && 'tokens' in value ? value.tokens : undefined;
  if (!Array.isArray(tokens)) throw new TokenRegistryError(`${where} must be a JSON object with a "tokens" array.`);
  const seen = new Set<string>();
  return tokens.map((entry: unknown, i): TokenRecord => {
    const r = (typeof entry === 'object' && entry !== null ? entry : {}) as Record<string, unknown>;
    const ok =
      typeof r.name === 'string' &&
      TOKEN_NAME_RE.test(r.name) &&
      typeof r.sha256 === 'string' &&
      SHA256_RE.test(r.sha256) &&
      typeof r.createdAt === 'string' &&
      positive(r.turnsPerMinute) &&
      positive(r.dailyBudget);
    if (!ok) throw new TokenRegistryError(`${where}: entry ${i + 1} is malformed (name, sha256, createdAt, optional positive turnsPerMinute/dailyBudget).`);
    if (seen.has(r.name as string)) throw new TokenRegistryError(`${where}: the name "${String(r.name)}" appears twice.`);
    seen.add(r.name as string);
    return {
      name: r.name as string,
      sha256: r.sha256 as string,
      createdAt: r.createdAt as string,
      ...(r.turnsPerMinute === undefined ? {} : { turnsPerMinute: r.turnsPerMinute as number }),
      ...(r.dailyBudget === undefined ? {} : { dailyBudget: r.dailyBudget as number }),
    };
  });
}
