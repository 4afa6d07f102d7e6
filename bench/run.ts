// `npm run bench [-- name ...]`: runs the scenarios (all by default), prints one table with the
// machine it ran on, and writes bench/results/<date>-<host>.json, latest.json and latest.md.
import { performance } from 'node:perf_hooks';
import { machineInfo } from './lib/machine.ts';
import { machineLine, textTable, writeResults, type BenchResult, type Row } from './lib/report.ts';
import type { Scenario } from './lib/scenario.ts';
import { accounting } from './scenarios/accounting.ts';
import { cpuPerChunk } from './scenarios/cpu-per-chunk.ts';
import { extensionCost } from './scenarios/extension.ts';
import { idle } from './scenarios/idle.ts';
import { longAnswer } from './scenarios/long-answer.ts';
import { memory } from './scenarios/memory.ts';
import { overhead } from './scenarios/overhead.ts';
import { pageContext } from './scenarios/page-context.ts';
import { profile } from './scenarios/profile.ts';
import { scale } from './scenarios/scale.ts';
import { sttStream } from './scenarios/stt-stream.ts';
import { ttfa } from './scenarios/ttfa.ts';
import { upload } from './scenarios/upload.ts';
import { voice } from './scenarios/voice.ts';

const SCENARIOS: readonly Scenario[] = [overhead, ttfa, idle, upload, extensionCost, memory, scale, profile, longAnswer, pageContext, accounting, sttStream, voice, cpuPerChunk];

const NOTE =
  'All upstream calls go to the fake OpenAI with fixed latencies (first token 300 ms, 30 ms per token, STT 300 ms, TTS 250 ms per request). ' +
  'Relays run as separate processes on the same machine as the fake and the clients, so every figure includes the clients\' own cost. ' +
  'Rerun with `npm run bench` (or `npm run bench -- overhead ttfa` for a subset).';

async function main(): Promise<void> {
  const wanted = process.argv.slice(2).filter((arg) => !arg.startsWith('-'));
  const unknown = wanted.filter((name) => !SCENARIOS.some((s) => s.name === name));
  if (unknown.length > 0) {
    console.error(`Unknown scenario(s): ${unknown.join(', ')}. Choose from: ${SCENARIOS.map((s) => s.name).join(', ')}.`);
    process.exit(2);
  }
  const selected = wanted.length === 0 ? SCENARIOS : SCENARIOS.filter((s) => wanted.includes(s.name));
  const machine = machineInfo();
  console.log(`Parley benchmarks on ${machineLine(machine)}`);
  const started = performance.now();
  const startedAt = new Date().toISOString();
  const rows: Row[] = [];
  const failures: BenchResult['failures'] = [];
  for (const scenario of selected) {
    console.log(`\n» ${scenario.name}: ${scenario.title}`);
    const t0 = performance.now();
    try {
      rows.push(...(await scenario.run((line) => console.log(line))));
    } catch (error) {
      // One broken scenario must not cost the figures of the others; it is listed under the table.
      const message = error instanceof Error ? error.message : String(error);
      console.error(`  ${scenario.name} failed: ${message}`);
      failures.push({ scenario: scenario.name, error: message.split('\n')[0] ?? message });
    }
    console.log(`  (${((performance.now() - t0) / 1000).toFixed(1)} s)`);
  }
  const result: BenchResult = {
    startedAt,
    durationS: Math.round((performance.now() - started) / 1000),
    machine,
    note: NOTE,
    scenarios: selected.map((s) => s.name),
    rows,
    failures,
  };
  console.log(`\n${textTable(rows)}\n`);
  for (const failure of failures) console.log(`${failure.scenario} did not complete: ${failure.error}`);
  console.log(`Machine: ${machineLine(machine)}`);
  console.log(`Results: ${writeResults(result)} (also latest.json, latest.md)`);
  // Keep-alive sockets and child handles are all closed, but a stray timer must not hold the run.
  process.exit(failures.length > 0 ? 1 : 0);
}

void main();
