// The result table: one row per metric, printed to the terminal, stored as JSON and as markdown.
import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { MachineInfo } from './machine.ts';

export interface Row {
  scenario: string;
  metric: string;
  /** Already formatted with its unit, e.g. "1.23 ms". */
  parley: string;
  baseline?: string;
  target?: string;
  /** Undefined when the row is informational (no target). */
  pass?: boolean;
  /** Raw numbers behind the row, kept in the JSON only. */
  data?: Record<string, unknown>;
}

export interface BenchResult {
  startedAt: string;
  durationS: number;
  machine: MachineInfo;
  note: string;
  scenarios: string[];
  rows: Row[];
  /** Scenarios that threw: their name and the error message. */
  failures: Array<{ scenario: string; error: string }>;
}

const COLUMNS = ['scenario', 'metric', 'Parley', 'baseline', 'target', 'pass'] as const;

function cells(row: Row): string[] {
  return [row.scenario, row.metric, row.parley, row.baseline ?? '—', row.target ?? '—', row.pass === undefined ? '—' : row.pass ? 'pass' : 'FAIL'];
}

export function textTable(rows: readonly Row[]): string {
  const body = rows.map(cells);
  const widths = COLUMNS.map((name, i) => Math.max(name.length, ...body.map((line) => (line[i] ?? '').length)));
  const line = (values: readonly string[]) => values.map((value, i) => value.padEnd(widths[i] ?? 0)).join('  ').trimEnd();
  return [line(COLUMNS), line(widths.map((w) => '-'.repeat(w))), ...body.map(line)].join('\n');
}

export function markdownTable(rows: readonly Row[]): string {
  const escape = (value: string) => value.replaceAll('|', '\\|');
  return [
    `| ${COLUMNS.join(' | ')} |`,
    `| ${COLUMNS.map(() => '---').join(' | ')} |`,
    ...rows.map((row) => `| ${cells(row).map(escape).join(' | ')} |`),
  ].join('\n');
}

export function machineLine(machine: MachineInfo): string {
  return `${machine.cpuModel}, ${machine.cores} cores, ${machine.memoryGiB} GiB, Node ${machine.node}, Linux ${machine.kernel}, load average at start ${machine.loadAverage.join(' / ')}`;
}

export function markdownReport(result: BenchResult): string {
  const failures = result.failures.map((f) => `- ${f.scenario} did not complete: ${f.error}`).join('\n');
  return [
    `Benchmark run of ${result.startedAt} (${result.durationS} s) on ${result.machine.host}: ${machineLine(result.machine)}.`,
    '',
    markdownTable(result.rows),
    '',
    result.note,
    failures,
  ]
    .filter((part) => part !== undefined)
    .join('\n')
    .trimEnd()
    .concat('\n');
}

export const RESULTS_DIR = fileURLToPath(new URL('../results/', import.meta.url));

/** Writes `<date>-<host>.json`, `latest.json` and `latest.md`; returns the dated path. */
export function writeResults(result: BenchResult): string {
  mkdirSync(RESULTS_DIR, { recursive: true });
  const stamp = result.startedAt.replace(/[:.]/g, '-');
  const dated = `${RESULTS_DIR}${stamp}-${result.machine.host}.json`;
  const json = `${JSON.stringify(result, null, 2)}\n`;
  writeFileSync(dated, json);
  writeFileSync(`${RESULTS_DIR}latest.json`, json);
  writeFileSync(`${RESULTS_DIR}latest.md`, markdownReport(result));
  return dated;
}

export const fmtMs = (ms: number, digits = 1) => (Number.isFinite(ms) ? `${ms.toFixed(digits)} ms` : 'n/a');
export const fmtKiB = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`;
export const fmtMiB = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MiB`;
export const fmtPct = (share: number) => `${(share * 100).toFixed(2)} %`;
