// Scenario 5: what the extension costs a page. Builds the Chrome extension into .output-bench,
// reports the content scripts' size (raw and gzip), then loads a local article page in headless
// Chromium with and without the extension, alternating, and compares the main thread's work
// (CDP Performance.getMetrics TaskDuration and ScriptDuration, which include content scripts).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { chromium, type BrowserContext } from 'playwright-core';
import { sleep } from '../lib/clock.ts';
import { fmtKiB, fmtMs, type Row } from '../lib/report.ts';
import type { Scenario } from '../lib/scenario.ts';
import { median } from '../lib/stats.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const OUT_DIR = '.output-bench';
const EXTENSION_DIR = join(ROOT, OUT_DIR, 'chrome-mv3');
const CHROMIUM = '/usr/lib/chromium/chromium';
const RUNS = 15;
/** After `load`, content scripts at document_idle have run; this leaves room for their first tasks. */
const SETTLE_MS = 500;

const PAGE = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Article</title>
<style>body{font:16px/1.5 system-ui;max-width:40rem;margin:2rem auto}</style></head><body>
<h1>An ordinary article</h1>${'<p>Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor incididunt ut labore et dolore magna aliqua.</p>'.repeat(60)}
<script>document.title = 'Article ' + document.querySelectorAll('p').length;</script></body></html>`;

function build(): void {
  execFileSync('npx', ['wxt', 'build'], { cwd: ROOT, env: { ...process.env, PARLEY_OUT_DIR: OUT_DIR }, stdio: 'ignore' });
}

function contentScriptSizes(): { raw: number; gzip: number; files: string[] } {
  const dir = join(EXTENSION_DIR, 'content-scripts');
  const files = readdirSync(dir).filter((name) => name.endsWith('.js') || name.endsWith('.css'));
  let raw = 0;
  let gzip = 0;
  for (const name of files) {
    const bytes = readFileSync(join(dir, name));
    raw += bytes.byteLength;
    gzip += gzipSync(bytes, { level: 9 }).byteLength;
  }
  return { raw, gzip, files };
}

function dirBytes(dir: string): number {
  let total = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    total += entry.isDirectory() ? dirBytes(path) : statSync(path).size;
  }
  return total;
}

/**
 * The unpacked package, and what conversation mode adds to it (issue 11): the VAD's files under
 * vad/ (Silero v5, onnxruntime-web's SIMD wasm and loader, the worklet) plus the offscreen
 * document's script, which now bundles the voice engine and onnxruntime's JS.
 */
function packageSizes(): { total: number; vad: number; offscreen: number } {
  const chunks = join(EXTENSION_DIR, 'chunks');
  const offscreen = readdirSync(chunks)
    .filter((name) => name.startsWith('offscreen') && name.endsWith('.js'))
    .reduce((sum, name) => sum + statSync(join(chunks, name)).size, 0);
  return { total: dirBytes(EXTENSION_DIR), vad: dirBytes(join(EXTENSION_DIR, 'vad')), offscreen };
}

async function launch(withExtension: boolean): Promise<{ context: BrowserContext; dir: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'parley-bench-browser-'));
  const args = ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--no-first-run'];
  if (withExtension) args.push(`--disable-extensions-except=${EXTENSION_DIR}`, `--load-extension=${EXTENSION_DIR}`);
  const context = await chromium.launchPersistentContext(dir, { executablePath: CHROMIUM, headless: true, args });
  if (withExtension && context.serviceWorkers().length === 0) await context.waitForEvent('serviceworker', { timeout: 15_000 });
  return { context, dir };
}

async function pageLoadCost(context: BrowserContext, url: string): Promise<{ task: number; script: number }> {
  const page = await context.newPage();
  const cdp = await context.newCDPSession(page);
  await cdp.send('Performance.enable');
  await page.goto(url, { waitUntil: 'load' });
  await sleep(SETTLE_MS);
  const { metrics } = await cdp.send('Performance.getMetrics');
  const metric = (name: string) => (metrics.find((m) => m.name === name)?.value ?? Number.NaN) * 1000;
  const cost = { task: metric('TaskDuration'), script: metric('ScriptDuration') };
  await page.close();
  return cost;
}

export const extensionCost: Scenario = {
  name: 'extension',
  title: 'extension cost on a page',
  async run(log) {
    build();
    const size = contentScriptSizes();
    const pkg = packageSizes();
    log(`  package ${fmtKiB(pkg.total)}; conversation mode adds vad/ ${fmtKiB(pkg.vad)} + offscreen script ${fmtKiB(pkg.offscreen)}`);
    log(`  content scripts ${size.files.join(', ')}: ${fmtKiB(size.raw)} raw, ${fmtKiB(size.gzip)} gzip`);
    const server = createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' }).end(PAGE));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/article.html`;
    const plain = await launch(false);
    const withExt = await launch(true);
    const samples = { plain: [] as Array<{ task: number; script: number }>, ext: [] as Array<{ task: number; script: number }> };
    try {
      // One warm-up load each (caches, first compile), then alternate so drift hits both alike.
      await pageLoadCost(plain.context, url);
      await pageLoadCost(withExt.context, url);
      for (let run = 0; run < RUNS; run++) {
        samples.plain.push(await pageLoadCost(plain.context, url));
        samples.ext.push(await pageLoadCost(withExt.context, url));
      }
    } finally {
      await plain.context.close();
      await withExt.context.close();
      rmSync(plain.dir, { recursive: true, force: true });
      rmSync(withExt.dir, { recursive: true, force: true });
      server.close();
    }
    const task = { plain: median(samples.plain.map((s) => s.task)), ext: median(samples.ext.map((s) => s.task)) };
    const script = { plain: median(samples.plain.map((s) => s.script)), ext: median(samples.ext.map((s) => s.script)) };
    const added = task.ext - task.plain;
    log(`  main-thread task time: ${task.plain.toFixed(1)} ms without, ${task.ext.toFixed(1)} ms with the extension (script ${script.plain.toFixed(1)} → ${script.ext.toFixed(1)} ms)`);
    const scenario = '5 extension on a page';
    return [
      { scenario, metric: 'content script size raw', parley: fmtKiB(size.raw), data: size },
      { scenario, metric: 'package size, unpacked (Chrome)', parley: fmtKiB(pkg.total), data: pkg },
      {
        scenario,
        metric: 'added by conversation mode (VAD model, onnxruntime wasm, offscreen engine)',
        parley: fmtKiB(pkg.vad + pkg.offscreen),
        baseline: `vad/ ${fmtKiB(pkg.vad)} + offscreen ${fmtKiB(pkg.offscreen)}`,
      },
      { scenario, metric: 'content script size gzip', parley: fmtKiB(size.gzip), target: '< 60 KiB', pass: size.gzip < 60 * 1024 },
      {
        scenario,
        metric: `main-thread time added at load (median of ${RUNS})`,
        parley: fmtMs(added),
        baseline: `${fmtMs(task.plain)} → ${fmtMs(task.ext)}`,
        target: '< 10 ms',
        pass: added < 10,
        data: { task, script, samples },
      },
      { scenario, metric: 'script time added at load', parley: fmtMs(script.ext - script.plain), baseline: `${fmtMs(script.plain)} → ${fmtMs(script.ext)}` },
    ] satisfies Row[];
  },
};
