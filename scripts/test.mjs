#!/usr/bin/env node
// `npm test`: everything CI runs. Lint, typecheck (tsc + svelte-check) and the
// Chrome + Firefox builds stop at the first failure; then every Vitest project
// (unit, integration, e2e) runs, one at a time, and the run ends with one
// summary line, "vitest: N passed, N failed", so CI logs read the same every time.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';

const steps = [
  ['lint', 'npm', ['run', '--silent', 'lint']],
  ['typecheck', 'npm', ['run', '--silent', 'typecheck']],
  ['build', 'npm', ['run', '--silent', 'build']],
  ['web-ext lint (Firefox build)', 'npm', ['run', '--silent', 'lint:firefox']],
];
for (const [name, command, args] of steps) {
  console.log(`\n=== ${name}`);
  const result = spawnSync(command, args, { stdio: 'inherit' });
  if (result.status !== 0) {
    console.error(`\n${name} failed (exit ${result.status ?? result.signal}).`);
    process.exit(1);
  }
}

// Tiers run one after another, not interleaved: browsers and relay processes
// compete for this machine's two cores, and a starved test is a flaky test.
mkdirSync('test-results', { recursive: true });
const projects = ['unit', 'integration', 'e2e'];
const totals = { passed: 0, failed: 0, skipped: 0 };
const failedProjects = [];
for (const project of projects) {
  console.log(`\n=== vitest --project ${project}`);
  const report = `test-results/vitest-${project}.json`;
  rmSync(report, { force: true });
  const run = spawnSync(
    'npx',
    ['vitest', 'run', '--project', project, '--reporter=default', '--reporter=json', `--outputFile.json=${report}`, ...process.argv.slice(2)],
    { stdio: 'inherit' },
  );
  try {
    const results = JSON.parse(readFileSync(report, 'utf8'));
    totals.passed += results.numPassedTests;
    totals.failed += results.numFailedTests;
    totals.skipped += results.numPendingTests + results.numTodoTests;
    if (run.status !== 0 && results.numFailedTests === 0) totals.failed += 1; // e.g. a suite that failed to load
  } catch {
    totals.failed += 1; // no report: the run itself broke
  }
  if (run.status !== 0) failedProjects.push(project);
}
if (failedProjects.length) console.error(`\nFailed: ${failedProjects.join(', ')}`);
console.log(`\nvitest: ${totals.passed} passed, ${totals.failed} failed${totals.skipped ? `, ${totals.skipped} skipped` : ''}`);
process.exit(failedProjects.length ? 1 : 0);
