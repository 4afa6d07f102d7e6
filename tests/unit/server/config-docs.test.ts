// @vitest-environment node
// Meta-test: every environment variable the relay reads is documented in docs/configuration.md.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const read = (path: string) => readFileSync(new URL(`../../../${path}`, import.meta.url), 'utf8');

describe('configuration docs', () => {
  it('have a row for every variable server/config.ts (and admin-config.ts) reads', () => {
    const sources = read('server/config.ts') + read('server/admin-config.ts');
    const names = new Set([...sources.matchAll(/(?:'|env\.)((?:PARLEY|OPENAI|REDIS)_[A-Z_]+)/g)].map((m) => m[1] ?? ''));
    expect(names).toContain('PARLEY_ADMIN_TOKEN');
    expect(names.size).toBeGreaterThan(30);
    // The first cell of each table row names the variable(s); a mention in another row's text does not count.
    const firstCells = read('docs/configuration.md')
      .split('\n')
      .filter((line) => line.startsWith('| `'))
      .map((line) => line.split('|')[1] ?? '')
      .join(' ');
    expect([...names].filter((name) => !firstCells.includes(`\`${name}`))).toEqual([]);
  });
});
