// Scenario 9: a 40 KB answer of pathological markdown streamed into the panel. The chat runs in
// an extension frame, so the host page should see none of the work; the panel should stay
// responsive. Long tasks (PerformanceObserver 'longtask', wall time of main-thread tasks over
// 50 ms) are collected in the page and in the panel frame from the question to the answer's
// last line. No CDP accessibility or role queries during the run: both cost the panel itself.
import { rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Frame, Page } from 'playwright-core';
import { startFakeOpenAI } from '../../tests/fakes/fake-openai.ts';
import { PATHOLOGICAL_END, pathologicalMarkdown } from '../../tests/fakes/pathological-markdown.ts';
import { sleep } from '../lib/clock.ts';
import { startParley } from '../lib/relays.ts';
import { fmtMs, type Row } from '../lib/report.ts';
import type { Scenario } from '../lib/scenario.ts';
import { build, launch } from './extension.ts';

const PAGE = '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Article</title></head><body><h1>An article</h1><p>Text.</p></body></html>';
const RUNS = 3;

declare global {
  interface Window {
    __longTasks?: number[];
  }
}

async function watch(target: Page | Frame): Promise<void> {
  await target.evaluate(() => {
    window.__longTasks = [];
    new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) window.__longTasks?.push(Math.round(entry.duration));
    }).observe({ type: 'longtask' });
  });
}

async function until(what: string, probe: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(250);
  }
}

export const longAnswer: Scenario = {
  name: 'long-answer',
  title: '40 KB of pathological markdown streamed into the panel',
  async run(log) {
    const answer = pathologicalMarkdown();
    const fake = await startFakeOpenAI({ answer: () => answer, latency: { firstTokenMs: 50, perTokenMs: 1, sttMs: 0, ttsMs: 0 } });
    const relay = await startParley(fake);
    const server = createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(PAGE));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    build();
    const browser = await launch(true);
    const runs: Array<{ page: number[]; panel: number[]; ms: number }> = [];
    try {
      const [worker] = browser.context.serviceWorkers();
      if (!worker) throw new Error('no extension service worker');
      await worker.evaluate(
        async ([relayUrl, token]) => {
          await chrome.storage.sync.set({ settings: { relayUrl, speech: false, typingEffect: false } });
          await chrome.storage.local.set({ token });
        },
        [relay.wsUrl, relay.token ?? ''] as const,
      );
      for (let run = 0; run < RUNS; run++) {
        const page = await browser.context.newPage();
        await page.setViewportSize({ width: 1280, height: 720 });
        await page.goto(url, { waitUntil: 'load' });
        await watch(page);
        await sleep(500);
        await page.mouse.click(1280 - 50, 720 - 50);
        let frame: Frame | undefined;
        await until('the panel frame', async () => (frame = page.frames().find((f) => f.url().includes('/chat.html'))) !== undefined, 10_000);
        if (!frame) throw new Error('no panel frame');
        const panel = frame;
        const logText = () => panel.evaluate(() => document.querySelector('[role="log"]')?.textContent ?? '');
        await until('the welcome message', async () => (await logText()).includes('How can I help'), 10_000);
        await watch(panel);
        const started = Date.now();
        await panel.locator('textarea').fill(`Question ${run}`);
        await page.keyboard.press('Enter');
        await until('the end of the answer', async () => (await logText()).includes(PATHOLOGICAL_END), 180_000);
        const ms = Date.now() - started;
        await sleep(500);
        runs.push({ page: await page.evaluate(() => window.__longTasks ?? []), panel: await panel.evaluate(() => window.__longTasks ?? []), ms });
        // A fresh conversation for the next run: New chat.
        await panel.locator('button', { hasText: 'New chat' }).click();
        await page.close();
      }
    } finally {
      await browser.context.close();
      rmSync(browser.dir, { recursive: true, force: true });
      server.close();
      await relay.stop();
      await fake.close();
    }
    const worst = (key: 'page' | 'panel') => Math.max(0, ...runs.flatMap((r) => r[key]));
    for (const [i, r] of runs.entries()) {
      log(`  run ${i + 1}: answer in ${r.ms} ms; long tasks page [${r.page.join(', ')}] ms, panel [${r.panel.join(', ')}] ms`);
    }
    const scenario = '9 long answer (40 KB)';
    return [
      { scenario, metric: `longest task on the host page (${RUNS} runs)`, parley: fmtMs(worst('page')), target: '≤ 200 ms', pass: worst('page') <= 200, data: { runs } },
      { scenario, metric: `longest task in the panel (${RUNS} runs)`, parley: fmtMs(worst('panel')), target: '≤ 50 ms', pass: worst('panel') <= 50 },
      { scenario, metric: 'panel long tasks per run', parley: runs.map((r) => r.panel.length).join(' / ') },
    ] satisfies Row[];
  },
};
