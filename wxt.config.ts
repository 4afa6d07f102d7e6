import { defineConfig } from 'wxt';

// See https://wxt.dev/api/config.html
export default defineConfig({
  // Tests build into their own folder so a parallel `wxt build` never swaps files under a running browser.
  outDir: process.env.PARLEY_OUT_DIR ?? '.output',
  modules: ['@wxt-dev/module-svelte'],
  // Every dependency is an explicit import: the relay shares `protocol/`, and
  // WXT's auto-imports would make that code depend on build-time magic.
  imports: false,
  manifest: {
    name: 'Parley',
    description: 'A voice-capable AI chat popup on any page, through your own relay.',
  },
});
