// The client token: from PARLEY_TOKEN, or generated once and kept in a file only the user can read.
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export interface ResolvedToken {
  token: string;
  source: 'env' | 'file' | 'generated';
  /** Where a stored token lives (undefined when it came from the environment). */
  path: string | undefined;
}

export const TOKEN_FILE = 'token';

/** 32 random bytes, base64url: 256 bits, safe inside a WebSocket subprotocol entry. */
export function generateToken(): string {
  return randomBytes(32).toString('base64url');
}

function isMissing(err: unknown): boolean {
  return typeof err === 'object' && err !== null && 'code' in err && err.code === 'ENOENT';
}

export async function resolveToken(envToken: string | undefined, configDir: string): Promise<ResolvedToken> {
  if (envToken !== undefined) return { token: envToken, source: 'env', path: undefined };
  const path = join(configDir, TOKEN_FILE);
  try {
    const stored = (await readFile(path, 'utf8')).trim();
    if (stored.length >= 16) {
      // Tighten permissions if someone loosened them; the token is as good as a password.
      await chmod(path, 0o600);
      return { token: stored, source: 'file', path };
    }
  } catch (err) {
    if (!isMissing(err)) throw err;
    // No token yet: first start, generate one below.
  }
  await mkdir(configDir, { recursive: true, mode: 0o700 });
  await chmod(configDir, 0o700);
  const token = generateToken();
  await writeFile(path, `${token}\n`, { mode: 0o600 });
  await chmod(path, 0o600);
  return { token, source: 'generated', path };
}
