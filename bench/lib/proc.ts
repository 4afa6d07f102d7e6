// Another process's memory and CPU, read from /proc (Linux only): the relay runs as a child
// process, so its own process.memoryUsage() is out of reach.
import { readFileSync } from 'node:fs';
import { clockTicks } from './machine.ts';

/** Resident set size in bytes (VmRSS). */
export function rssBytes(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = /^VmRSS:\s+(\d+)\s+kB/m.exec(status)?.[1];
  if (kb === undefined) throw new Error(`no VmRSS for pid ${pid}`);
  return Number(kb) * 1024;
}

/** Peak resident set size in bytes (VmHWM) since the process started. */
export function peakRssBytes(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = /^VmHWM:\s+(\d+)\s+kB/m.exec(status)?.[1];
  if (kb === undefined) throw new Error(`no VmHWM for pid ${pid}`);
  return Number(kb) * 1024;
}

/** User + system CPU time consumed so far, in milliseconds (utime + stime). */
export function cpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The command name may contain spaces or parentheses: fields are counted after the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // Fields 14 and 15 of stat(5) are utime and stime; after the name, they are at index 11 and 12.
  const ticks = Number(fields[11]) + Number(fields[12]);
  return (ticks * 1000) / clockTicks();
}

/** Measures a process's CPU over an interval: fraction of one core (0.05 = 5 %). */
export async function cpuShare(pid: number, run: () => Promise<void>): Promise<{ share: number; cpuMs: number; wallMs: number }> {
  const cpuBefore = cpuMs(pid);
  const start = performance.now();
  await run();
  const wallMs = performance.now() - start;
  const used = cpuMs(pid) - cpuBefore;
  return { share: used / wallMs, cpuMs: used, wallMs };
}

/** The direct children of a process (Linux: /proc/PID/task/PID/children), e.g. a cluster's workers. */
export function childPids(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    // The process is gone, or the kernel lacks CONFIG_PROC_CHILDREN: no children known.
    return [];
  }
}
