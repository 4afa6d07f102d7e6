// Names for token ids: the admin endpoint and metrics say "alice" rather than a hash where a name is known.
import { tokenIdOf } from '../transport/token-id.ts';

export interface TokenEntry {
  id: string;
  /** Undefined for tokens configured without a name (PARLEY_TOKENS entries). */
  name?: string;
}

export interface TokenDirectory {
  list(): TokenEntry[];
  /** The id for a name or an id; undefined when no configured token has it. */
  resolve(nameOrId: string): string | undefined;
  /** What to call a token in metrics and reports: its name, else its id. */
  label(id: string): string;
}

/** The main token (PARLEY_TOKEN) is named "default"; the others are known by id until they get names. */
export function createTokenDirectory(tokens: ReadonlyArray<{ token: string; name?: string }>): TokenDirectory {
  const entries: TokenEntry[] = tokens.map(({ token, name }) => ({ id: tokenIdOf(token), ...(name === undefined ? {} : { name }) }));
  const byName = new Map(entries.flatMap((entry) => (entry.name === undefined ? [] : [[entry.name, entry.id] as const])));
  const byId = new Map(entries.map((entry) => [entry.id, entry]));
  return {
    list: () => entries.map((entry) => ({ ...entry })),
    resolve: (nameOrId) => byName.get(nameOrId) ?? (byId.has(nameOrId) ? nameOrId : undefined),
    label: (id) => byId.get(id)?.name ?? id,
  };
}
