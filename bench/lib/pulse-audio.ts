// A measurable audio path for the voice benchmark: two PulseAudio null sinks of its own (the shared
// daemon's vspk/vmic defaults belong to the E2E runs and stay untouched). Chromium is started with
// PULSE_SINK = the "speaker" sink and PULSE_SOURCE = the monitor of the "room" sink, so the engine's
// microphone hears whatever the bench plays into the room, and the bench records both the room and
// the speaker from their monitors with one clock: when a sound was really in the mic and really left
// the speaker, not when some code said so.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { promisify } from 'node:util';
import { ensurePulseAudio } from '../../tests/e2e/support/pulse.ts';
import { wallNow } from './clock.ts';

const run = promisify(execFile);
/** Recording rate: 8 kHz is plenty to find onsets and ends to the millisecond. */
export const REC_RATE = 8000;

export interface NullSink {
  name: string;
  monitor: string;
  unload(): Promise<void>;
}

export async function startPulse(): Promise<void> {
  await ensurePulseAudio();
}

export async function loadNullSink(name: string): Promise<NullSink> {
  const { stdout } = await run('pactl', ['load-module', 'module-null-sink', `sink_name=${name}`, `sink_properties=device.description=${name}`], { timeout: 10_000 });
  const index = stdout.trim();
  return {
    name,
    monitor: `${name}.monitor`,
    unload: async () => {
      await run('pactl', ['unload-module', index], { timeout: 10_000 }).catch(() => undefined);
    },
  };
}

/** Speakers instead of headphones: what the speaker sink plays comes back into the room, 20 ms later. */
export async function loadEcho(speaker: NullSink, room: NullSink): Promise<{ unload(): Promise<void> }> {
  return loadLoopback(speaker.monitor, room.name);
}

/** Whatever `source` hears is played into `sink` (PulseAudio aims at 20 ms in between). */
export async function loadLoopback(source: string, sink: string): Promise<{ unload(): Promise<void> }> {
  const { stdout } = await run(
    'pactl',
    ['load-module', 'module-loopback', `source=${source}`, `sink=${sink}`, 'latency_msec=20', 'source_dont_move=true', 'sink_dont_move=true'],
    { timeout: 10_000 },
  );
  const index = stdout.trim();
  return {
    unload: async () => {
      await run('pactl', ['unload-module', index], { timeout: 10_000 }).catch(() => undefined);
    },
  };
}

/**
 * A running recording of one source (mono s16le at REC_RATE). Sample n's time on the shared clock is
 * `startAt + n / rate`, with `startAt` the earliest bound seen: every chunk arrives after its last
 * sample was taken, so arrival − samples so far bounds the start from above; the minimum over the
 * run is the tightest bound (latency requested: 10 ms).
 */
export interface Recording {
  samples(): Int16Array;
  /** Shared-clock ms of sample index n. */
  timeOf(n: number): number;
  /** Sample index at shared-clock time t. */
  indexAt(t: number): number;
  stop(): Promise<void>;
}

export function record(source: string): Recording {
  const child: ChildProcess = spawn('parec', ['-d', source, '--raw', '--format=s16le', `--rate=${REC_RATE}`, '--channels=1', '--latency-msec=10'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let buffer = new Int16Array(REC_RATE * 120);
  let length = 0;
  let pending: Buffer = Buffer.alloc(0);
  let startAt = Number.POSITIVE_INFINITY;
  child.stdout?.on('data', (chunk: Buffer) => {
    const now = wallNow();
    pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
    const whole = Math.floor(pending.length / 2);
    if (length + whole > buffer.length) {
      const grown = new Int16Array(Math.max(buffer.length * 2, length + whole));
      grown.set(buffer.subarray(0, length));
      buffer = grown;
    }
    for (let i = 0; i < whole; i++) buffer[length + i] = pending.readInt16LE(i * 2);
    length += whole;
    pending = pending.subarray(whole * 2);
    startAt = Math.min(startAt, now - (length / REC_RATE) * 1000);
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    samples: () => buffer.subarray(0, length),
    timeOf: (n) => startAt + (n / REC_RATE) * 1000,
    indexAt: (t) => Math.round(((t - startAt) / 1000) * REC_RATE),
    async stop() {
      child.kill('SIGTERM');
      await exited;
    },
  };
}

/** Plays raw s16le mono PCM into a sink; resolves once pacat has drained it (the sound is over). */
export async function play(sink: string, pcm: Buffer, rate: number): Promise<void> {
  const child = spawn('pacat', ['--playback', '-d', sink, '--raw', '--format=s16le', `--rate=${rate}`, '--channels=1', '--latency-msec=20'], {
    stdio: ['pipe', 'ignore', 'pipe'],
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  child.stdin?.end(pcm);
  const code = await exited;
  if (code !== 0) throw new Error(`pacat exited with ${String(code)}`);
}
