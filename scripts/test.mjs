#!/usr/bin/env node
// `npm test`: everything CI runs, in order, stopping at the first failure:
// lint, typecheck (tsc + svelte-check), build (Chrome + Firefox), then every
// Vitest project (unit, integration, e2e). Ends with one summary line,
// "vitest: N passed, N failed", so CI logs are read the same way every time.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';

const steps = [
  ['lint', 'npm', ['run', '--silent', 'lint']],
  ['typecheck', 'npm', ['run', '--silent', 'typecheck']],
  ['build', 'npm', ['run', '--silent', 'build']],
];
for (const [name, command, args] of steps) {
  console.log(`\n=== ${name}`);
  const result = spawnSync(command, args, { stdio: 'inherit' });
  if (result.status !== 0) {
    console.error(`\n${name} failed (exit ${result.status ?? result.signal}).`);
    process.exit(1);
  }
}

console.log('\n=== vitest (unit, integration, e2e)');
mkdirSync('test-results', { recursive: true });
const report = 'test-results/vitest.json';
const vitest = spawnSync(
  'npx',
  ['vitest', 'run', '--reporter=default', '--reporter=json', `--outputFile.json=${report}`, ...process.argv.slice(2)],
  { stdio: 'inherit' },
);
let summary = 'vitest: no report written';
try {
  const results = JSON.parse(readFileSync(report, 'utf8'));
  const skipped = results.numPendingTests + results.numTodoTests;
  summary = `vitest: ${results.numPassedTests} passed, ${results.numFailedTests} failed${skipped ? `, ${skipped} skipped` : ''}`;
} catch (error) {
  summary += ` (${error.message})`;
}
console.log(`\n${summary}`);
process.exit(vitest.status ?? 1);
