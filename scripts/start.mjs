#!/usr/bin/env node
// `npm start`: build the extension for Chrome and Firefox, then run the relay
// in the foreground and say how to load the extension. With `--demo` (or
// `npm run demo`) the relay answers from the project's fake OpenAI instead.
import { spawn, spawnSync } from 'node:child_process';
import { resolve } from 'node:path';

const demo = process.argv.includes('--demo');

for (const args of [['build'], ['build', '-b', 'firefox']]) {
  const result = spawnSync('npx', ['wxt', ...args], { stdio: ['ignore', 'ignore', 'inherit'] });
  if (result.status !== 0) {
    console.error(`Building the extension failed: npx wxt ${args.join(' ')}`);
    process.exit(1);
  }
}

const chrome = resolve('.output/chrome-mv3');
const firefox = resolve('.output/firefox-mv2');
console.log(`
Parley extension built.
  Chrome:  chrome://extensions → Developer mode → "Load unpacked" → ${chrome}
  Firefox: about:debugging#/runtime/this-firefox → "Load Temporary Add-on…" → ${firefox}/manifest.json
Then open Parley's options (right-click the toolbar icon → Options), paste the relay token printed below, and "Test connection".
`);

// node --import tsx, not npx: npx does not pass SIGTERM on, which would leave the relay running.
const relay = spawn(process.execPath, ['--import', 'tsx', demo ? 'scripts/demo.ts' : 'server/index.ts'], { stdio: 'inherit' });
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => relay.kill(signal));
relay.on('exit', (code, signal) => process.exit(code ?? (signal ? 0 : 1)));
