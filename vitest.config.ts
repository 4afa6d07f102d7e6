import { defineConfig } from 'vitest/config';
import { WxtVitest } from 'wxt/testing/vitest-plugin';
import { svelte } from '@sveltejs/vite-plugin-svelte';

// Long reliability runs (minutes, heavy on CPU) exist only when asked for:
// `PARLEY_RELIABILITY=1 vitest run --project reliability` (npm run test:reliability).
const reliability = process.env.PARLEY_RELIABILITY === '1'
  ? [
      {
        test: {
          name: 'reliability',
          include: ['tests/reliability/**/*.test.ts'],
          environment: 'node',
          testTimeout: 600_000,
          hookTimeout: 120_000,
          // Each file starts its own relay and loads the machine: one at a time.
          fileParallelism: false,
        },
      },
    ]
  : [];

// Three tiers, one runner: `vitest run` runs them all (that is `npm test`),
// `--project unit|integration|e2e` runs one.
export default defineConfig({
  test: {
    projects: [
      {
        plugins: [WxtVitest(), svelte()],
        // Svelte's client runtime (mount) instead of its server build under Node.
        resolve: { conditions: ['browser'] },
        test: {
          name: 'unit',
          include: ['tests/unit/**/*.test.ts'],
          environment: 'happy-dom',
        },
      },
      {
        test: {
          name: 'integration',
          include: ['tests/integration/**/*.test.ts'],
          environment: 'node',
          testTimeout: 30_000,
          hookTimeout: 30_000,
        },
      },
      {
        test: {
          name: 'e2e',
          include: ['tests/e2e/**/*.test.ts'],
          environment: 'node',
          // Builds the extension once per run into .output-e2e and speaks the fake mic's WAV.
          globalSetup: ['tests/e2e/support/global-setup.ts'],
          testTimeout: 120_000,
          hookTimeout: 120_000,
          // Browsers are heavy on a 2-core machine: one file at a time.
          fileParallelism: false,
        },
      },
      ...reliability,
    ],
  },
});
