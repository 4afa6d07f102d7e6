// Names for token ids: the admin endpoint and metrics say "alice" rather than a hash where a name is
// known. Configured tokens are fixed at start; named tokens (the token registry) come and go while
// the relay runs, and a revoked token's name is remembered so its past usage still reads well.
import { tokenIdOf } from '../transport/token-id.ts';

export interface TokenEntry {
  id: string;
  /** Undefined for tokens configured without a name (PARLEY_TOKENS entries). */
  name?: string;
}

export interface TokenDirectory {
  /** Tokens accepted right now. */
  list(): TokenEntry[];
  /** The id for a name (current or remembered) or an accepted id; undefined otherwise. */
  resolve(nameOrId: string): string | undefined;
  /** What to call a token in metrics and reports: its name, else its id. */
  label(id: string): string;
  /** A name this process has known for the id, even if the token is gone. */
  nameOf(id: string): string | undefined;
  /** Replaces the named tokens (from the token registry); configured tokens stay. */
  setNamed(entries: ReadonlyArray<{ id: string; name: string }>): void;
}

/** The main token (PARLEY_TOKEN) is named "default"; PARLEY_TOKENS entries are known by id. */
export function createTokenDirectory(tokens: ReadonlyArray<{ token: string; name?: string }>): TokenDirectory {
  const configured: TokenEntry[] = tokens.map(({ token, name }) => ({ id: tokenIdOf(token), ...(name === undefined ? {} : { name }) }));
  let named: TokenEntry[] = [];
  // Every name seen in this process, so usage of a revoked token keeps its name.
  const known = new Map<string, string>(configured.flatMap((entry) => (entry.name === undefined ? [] : [[entry.id, entry.name] as const])));
  const current = () => [...configured, ...named];
  return {
    list: () => current().map((entry) => ({ ...entry })),
    resolve(nameOrId) {
      const byName = current().find((entry) => entry.name === nameOrId) ?? [...known].map(([id, name]) => ({ id, name })).find((entry) => entry.name === nameOrId);
      if (byName) return byName.id;
      return current().some((entry) => entry.id === nameOrId) ? nameOrId : undefined;
    },
    label: (id) => known.get(id) ?? id,
    nameOf: (id) => known.get(id),
    setNamed(entries) {
      named = entries.map(({ id, name }) => ({ id, name }));
      for (const { id, name } of entries) known.set(id, name);
    },
  };
}
