// The token registry as a JSON file next to the generated token (`$PARLEY_CONFIG_DIR/tokens.json`,
// mode 0600). Writes go to a temporary file renamed into place, so a reader never sees half a file;
// relays notice changes through fs.watch on the directory plus a slow poll (for file systems where
// watching is unreliable), so a revocation reaches every process on the machine within moments.
import { watch, type FSWatcher } from 'node:fs';
import { chmod, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import { parseTokenRecords, TokenRegistryError, type TokenRecord, type TokenRegistry } from './token-registry.ts';

export const TOKENS_FILE = 'tokens.json';

export interface FileTokenRegistryOptions {
  path: string;
  /** Re-read interval besides fs.watch events; default 2000 ms. */
  pollMs?: number;
}

const isMissing = (error: unknown) => typeof error === 'object' && error !== null && 'code' in error && error.code === 'ENOENT';

export function createFileTokenRegistry(options: FileTokenRegistryOptions): TokenRegistry {
  const { path } = options;

  const read = async (): Promise<TokenRecord[]> => {
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (error) {
      // No file yet: no named tokens have been issued.
      if (isMissing(error)) return [];
      throw error;
    }
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      // The parser's position is of no use to someone who did not write the file by hand.
      throw new TokenRegistryError(`${path} is not valid JSON; fix it or remove it and issue the tokens again.`);
    }
    return parseTokenRecords(value, path);
  };

  const write = async (records: TokenRecord[]) => {
    const dir = dirname(path);
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const temp = `${path}.${process.pid}.tmp`;
    await writeFile(temp, `${JSON.stringify({ version: 1, tokens: records }, null, 2)}\n`, { mode: 0o600 });
    await chmod(temp, 0o600);
    await rename(temp, path);
  };

  return {
    list: read,
    async add(record) {
      const records = await read();
      if (records.some((r) => r.name === record.name))
        throw new TokenRegistryError(`A token named "${record.name}" exists; revoke it first or choose another name.`);
      await write([...records, record]);
    },
    async revoke(name) {
      const records = await read();
      const found = records.find((r) => r.name === name);
      if (found) await write(records.filter((r) => r !== found));
      return found;
    },
    watch(onChange, onError) {
      let last = '';
      let stopped = false;
      let pending: Promise<void> | undefined;
      const check = () => {
        pending ??= read()
          .then((records) => {
            const key = JSON.stringify(records);
            if (!stopped && key !== last) {
              last = key;
              onChange(records);
            }
          }, onError)
          .finally(() => {
            pending = undefined;
          });
      };
      let watcher: FSWatcher | undefined;
      try {
        // The directory, not the file: a rename replaces the file's inode, which a file watch would lose.
        watcher = watch(dirname(path), (_event, file) => {
          if (file === null || file === basename(path)) check();
        });
        watcher.on('error', () => undefined);
      } catch {
        // No directory yet or no inotify: the poll below still notices changes.
        watcher = undefined;
      }
      const timer = setInterval(check, options.pollMs ?? 2000);
      timer.unref();
      check();
      return () => {
        stopped = true;
        watcher?.close();
        clearInterval(timer);
      };
    },
  };
}
