// Scenario 10 (issue 12): "Ask about this page" on large pages. Builds the Chrome extension into
// .output-bench, then, in headless Chromium, runs the built extract-page.js in an isolated world of
// the page exactly as scripting.executeScript would (CDP Page.createIsolatedWorld + Runtime.evaluate,
// result returned by value), and cuts the text to the relay's default caps as the background does.
// That is the time from the click to the chip, less the two runtime messages around it. Also checks
// that the launcher content script does not carry Readability (the page-load cost is scenario 5).
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { truncateToCaps } from '../../protocol/index.ts';
import { hugePageHtml } from '../../tests/fixtures/pages/huge-page.ts';
import { fmtKiB, fmtMs, type Row } from '../lib/report.ts';
import type { Scenario } from '../lib/scenario.ts';
import { median } from '../lib/stats.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const OUT_DIR = '.output-bench';
const EXTENSION_DIR = join(ROOT, OUT_DIR, 'chrome-mv3');
const CHROMIUM = '/usr/lib/chromium/chromium';
const RUNS = 7;
const CAPS = { maxChars: 24_000, maxTokens: 6_000 };

const PAGES: Record<string, () => string> = {
  'fixture article': () => readFileSync(join(ROOT, 'tests/fixtures/pages/article.html'), 'utf8'),
  'large page (2,000 entries, ~22k elements, Readability)': () => hugePageHtml(2000),
  'huge page (8,000 entries, ~88k elements, body walk)': () => hugePageHtml(8000),
};

export const pageContext: Scenario = {
  name: 'page-context',
  title: '"Ask about this page": extraction on large pages',
  async run(log) {
    execFileSync('npx', ['wxt', 'build'], { cwd: ROOT, env: { ...process.env, PARLEY_OUT_DIR: OUT_DIR }, stdio: 'ignore' });
    const script = readFileSync(join(EXTENSION_DIR, 'extract-page.js'), 'utf8');
    const content = readFileSync(join(EXTENSION_DIR, 'content-scripts/content.js'), 'utf8');
    const launcherHasReadability = /_grabArticle|Readability/.test(content);
    log(`  extract-page.js ${fmtKiB(script.length)}; launcher content script carries Readability: ${launcherHasReadability}`);

    let html = '';
    const server = createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(html));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/page.html`;
    const dir = mkdtempSync(join(tmpdir(), 'parley-bench-context-'));
    const context = await chromium.launchPersistentContext(dir, { executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--no-first-run'] });
    const scenario = '10 ask about this page';
    const rows: Row[] = [
      { scenario, metric: 'Readability in the launcher content script', parley: launcherHasReadability ? 'yes' : 'no', target: 'no', pass: !launcherHasReadability },
    ];
    try {
      for (const [name, make] of Object.entries(PAGES)) {
        html = make();
        const page = await context.newPage();
        await page.goto(url, { waitUntil: 'load' });
        const cdp = await context.newCDPSession(page);
        const { frameTree } = await cdp.send('Page.getFrameTree');
        const times: number[] = [];
        let last: { chars: number; originalChars: number; via: string; truncated: boolean } | undefined;
        for (let run = 0; run <= RUNS; run++) {
          const { executionContextId } = await cdp.send('Page.createIsolatedWorld', { frameId: frameTree.frame.id, worldName: `parley-bench-${run}` });
          const t0 = performance.now();
          const { result } = await cdp.send('Runtime.evaluate', { expression: script, contextId: executionContextId, returnByValue: true });
          const value = result.value as { ok: boolean; value?: { text: string; originalChars: number; via: string } };
          const cut = truncateToCaps(value.value?.text ?? '', CAPS);
          const elapsed = performance.now() - t0;
          if (!value.ok || !value.value) throw new Error(`extraction failed on ${name}`);
          last = { chars: cut.chars, originalChars: value.value.originalChars, via: value.value.via, truncated: cut.truncated };
          if (run > 0) times.push(elapsed); // run 0 warms the compile caches
        }
        await page.close();
        log(`  ${name}: median ${median(times).toFixed(1)} ms (${last?.via}; ${last?.originalChars} chars found, ${last?.chars} kept)`);
        rows.push({ scenario, metric: `click → chip, ${name} (median of ${RUNS})`, parley: fmtMs(median(times)), data: { times, ...last } });
      }
    } finally {
      await context.close();
      rmSync(dir, { recursive: true, force: true });
      server.close();
    }
    return rows;
  },
};
