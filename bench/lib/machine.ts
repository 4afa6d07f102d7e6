// What the benchmark ran on, printed with every table and stored with every result.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus, hostname, loadavg, totalmem } from 'node:os';

export interface MachineInfo {
  host: string;
  cpuModel: string;
  cores: number;
  memoryGiB: number;
  node: string;
  kernel: string;
  loadAverage: number[];
  /** Open-file limit of the benchmark process (idle capacity needs ~2 per connection across processes). */
  fileLimit: string;
}

export function machineInfo(): MachineInfo {
  const list = cpus();
  let kernel = '';
  try {
    kernel = readFileSync('/proc/sys/kernel/osrelease', 'utf8').trim();
  } catch {
    // Not Linux: the field stays empty; everything else still describes the machine.
  }
  return {
    host: hostname(),
    cpuModel: list[0]?.model.trim() ?? 'unknown',
    cores: list.length,
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    kernel,
    loadAverage: loadavg().map((value) => Math.round(value * 100) / 100),
    fileLimit: shell('ulimit -n'),
  };
}

let ticks: number | undefined;
/** Kernel clock ticks per second (USER_HZ), needed to read /proc/<pid>/stat. */
export function clockTicks(): number {
  ticks ??= Number(shell('getconf CLK_TCK')) || 100;
  return ticks;
}

function shell(command: string): string {
  try {
    return execFileSync('sh', ['-c', command], { encoding: 'utf8' }).trim();
  } catch {
    // A missing tool only blanks one informational field.
    return '';
  }
}
