// @vitest-environment node
// Meta-test: every environment variable the relay reads is documented in docs/configuration.md.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const read = (path: string) => readFileSync(new URL(`../../../${path}`, import.meta.url), 'utf8');

describe('configuration docs', () => {
  it('have a row for every variable server/config.ts reads', () => {
    const names = new Set([...read('server/config.ts').matchAll(/'((?:PARLEY|OPENAI|REDIS)_[A-Z_]+)'/g)].map((m) => m[1] ?? ''));
    expect(names.size).toBeGreaterThan(30);
    const docs = read('docs/configuration.md');
    expect([...names].filter((name) => !docs.includes(`\`${name}`))).toEqual([]);
  });
});
