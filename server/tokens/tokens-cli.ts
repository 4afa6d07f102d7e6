// `npm run relay -- tokens add NAME [--turns-per-minute N] [--daily-budget N] | list | revoke NAME`:
// issues named tokens for a team. The token is printed once and only its SHA-256 is stored.
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { generateToken } from '../transport/token-store.ts';
import { createFileTokenRegistry, TOKENS_FILE } from './file-token-registry.ts';
import { registryHash } from './token-authority.ts';
import { TOKEN_NAME_RE, TokenRegistryError, type TokenRecord, type TokenRegistry } from './token-registry.ts';

export const TOKENS_USAGE = `Usage:
  npm run relay -- tokens add NAME [--turns-per-minute N] [--daily-budget N]
  npm run relay -- tokens list
  npm run relay -- tokens revoke NAME
Tokens are kept (as SHA-256 hashes only) in $PARLEY_CONFIG_DIR/${TOKENS_FILE}, or in Redis when REDIS_URL
is set; running relays pick up changes at once.`;

export interface CliIo {
  out: (text: string) => void;
}

function count(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  if (!/^[1-9]\d{0,8}$/.test(value)) throw new TokenRegistryError(`${flag} must be a whole number above 0 (got "${value}").`);
  return Number(value);
}

function oneName(positionals: string[], command: string): string {
  const [name, ...extra] = positionals;
  if (name === undefined || extra.length > 0) throw new TokenRegistryError(`"tokens ${command}" takes exactly one NAME.\n${TOKENS_USAGE}`);
  if (!TOKEN_NAME_RE.test(name)) throw new TokenRegistryError(`NAME must be 1-64 letters, digits, ".", "_", "-" or "@", starting with a letter or digit (got "${name.slice(0, 80)}").`);
  return name;
}

async function add(registry: TokenRegistry, args: string[], io: CliIo, where: string): Promise<void> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { 'turns-per-minute': { type: 'string' }, 'daily-budget': { type: 'string' } },
  });
  const name = oneName(positionals, 'add');
  const turnsPerMinute = count(values['turns-per-minute'], '--turns-per-minute');
  const dailyBudget = count(values['daily-budget'], '--daily-budget');
  const token = generateToken();
  const record: TokenRecord = {
    name,
    sha256: registryHash(token),
    createdAt: new Date().toISOString(),
    ...(turnsPerMinute === undefined ? {} : { turnsPerMinute }),
    ...(dailyBudget === undefined ? {} : { dailyBudget }),
  };
  await registry.add(record);
  io.out(`Token for "${name}" (shown only now; paste it into Parley's options page):\n${token}\n`);
  io.out(`Stored as a SHA-256 hash in ${where}. Revoke with: npm run relay -- tokens revoke ${name}\n`);
}

async function list(registry: TokenRegistry, args: string[], io: CliIo): Promise<void> {
  parseArgs({ args, options: {} });
  const records = await registry.list();
  if (records.length === 0) return io.out('No named tokens. Issue one with: npm run relay -- tokens add NAME\n');
  const rows = [['name', 'id', 'created', 'turns/min', 'daily budget']];
  for (const r of records)
    rows.push([r.name, r.sha256.slice(0, 16), r.createdAt.slice(0, 19).replace('T', ' '), String(r.turnsPerMinute ?? 'default'), String(r.dailyBudget ?? 'none')]);
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((row) => (row[i] ?? '').length))) ?? [];
  io.out(`${rows.map((row) => row.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join('  ').trimEnd()).join('\n')}\n`);
}

async function revoke(registry: TokenRegistry, args: string[], io: CliIo): Promise<void> {
  const { positionals } = parseArgs({ args, allowPositionals: true, options: {} });
  const name = oneName(positionals, 'revoke');
  const removed = await registry.revoke(name);
  if (!removed) throw new TokenRegistryError(`No token named "${name}". See: npm run relay -- tokens list`);
  io.out(`Revoked "${name}". Running relays close its connections and refuse it from now on.\n`);
}

const COMMANDS = { add, list, revoke } as const;

/** Runs one tokens command; throws TokenRegistryError (or parseArgs' TypeError) with a message for the user. */
export async function runTokensCli(argv: string[], configDir: string, io: CliIo, registry?: TokenRegistry): Promise<void> {
  const [command, ...rest] = argv;
  const path = join(configDir, TOKENS_FILE);
  const target = registry ?? createFileTokenRegistry({ path });
  if (command === undefined || !(command in COMMANDS)) throw new TokenRegistryError(TOKENS_USAGE);
  await COMMANDS[command as keyof typeof COMMANDS](target, rest, io, registry === undefined ? path : 'the shared registry (REDIS_URL)');
}
