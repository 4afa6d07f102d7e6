// A PulseAudio server of the test's own for a browser's microphone and speaker (Chromium and Firefox
// conversation E2E). Its own runtime directory, socket and HOME (cookie and state live there), handed
// to the browser as PULSE_SERVER: parallel runs and other people's daemons never share devices.
//
//   browser ──▶ sink "spk" ──(loopSpeakerIntoMic: module-loopback, the echo)──▶ sink "room" ◀── paplay (say)
//                                                                                 │ monitor
//   browser ◀── source "mic" (module-remap-source of room.monitor, the default source)
//
// The microphone is a remap of the room's monitor, not the monitor itself: Chromium leaves monitor
// sources out of its input devices, and Firefox's fake microphone is a tone the VAD does not take for
// speech. The test speaks by playing a WAV into "room" when it chooses, and records "spk.monitor"
// (what the browser played) or "mic" (what the browser hears).
import { execFile, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface PrivatePulseOptions {
  /** Channels of the "mic" remap; by default those of room.monitor (stereo). */
  micChannels?: number;
}

export interface LoopOptions {
  /** module-loopback's latency_msec. */
  latencyMs: number;
  /** Loopback volume in percent of PulseAudio's scale (cubic: 50% ≈ -18 dB); by default left at 100%. */
  volumePercent?: number;
}

export type PulseDevice = 'spk.monitor' | 'mic';

export interface PrivatePulse {
  /** For the browser's environment (PULSE_SERVER): `unix:<socket>`. */
  readonly server: string;
  /** Plays a WAV into the room, which the microphone hears (the user speaking); resolves when it has played. */
  say(wavPath: string): Promise<void>;
  /** Records `source` as mono s16le at `rate` until the returned stop. */
  record(source: PulseDevice, rate: number): () => Promise<Int16Array>;
  /** What the microphone picks up (before the browser's processing) for `ms`: LISTEN_RATE mono s16le. */
  listen(ms: number): Promise<Buffer>;
  /** Feeds what is played on the speaker back into the microphone (speakers beside a mic); returns the undo. */
  loopSpeakerIntoMic(options: LoopOptions): Promise<() => Promise<void>>;
  /** Capture streams of clients (the browser, parec), one `pactl list short` line each; the modules' own are left out. */
  captures(): Promise<string[]>;
  close(): Promise<void>;
}

export const LISTEN_RATE = 48_000;

export async function startPrivatePulse(options: PrivatePulseOptions = {}): Promise<PrivatePulse> {
  const dir = await mkdtemp(join(tmpdir(), 'parley-pulse-'));
  const socket = join(dir, 'native');
  const server = `unix:${socket}`;
  const env = { ...process.env, PULSE_RUNTIME_PATH: dir, XDG_RUNTIME_DIR: dir, HOME: dir, PULSE_SERVER: server };
  const pactl = async (...args: string[]): Promise<string> => (await run('pactl', args, { env, timeout: 10_000 })).stdout;
  // In the foreground, so the test owns the process: close kills it and waits for it to have gone.
  const daemon = spawn(
    'pulseaudio',
    [
      '-n',
      '--daemonize=no',
      '--exit-idle-time=-1',
      '--use-pid-file=false',
      `--load=module-native-protocol-unix socket=${socket} auth-anonymous=1`,
      '--load=module-null-sink sink_name=spk',
      '--load=module-null-sink sink_name=room',
      '--load=module-always-sink',
    ],
    { env, stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  daemon.stderr.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-2000)));
  let failure: Error | undefined;
  const exited = new Promise<void>((resolve) => {
    daemon.once('error', (error) => {
      failure = error;
      resolve();
    });
    daemon.once('exit', (code, signalName) => {
      failure ??= new Error(`exited with ${String(code ?? signalName)}: ${stderr.trim()}`);
      resolve();
    });
  });
  const close = async (): Promise<void> => {
    if (failure === undefined) {
      daemon.kill('SIGTERM');
      // It writes to its runtime directory while it exits: remove the directory once it has gone.
      const timer = setTimeout(() => daemon.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    }
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await waitForServer(pactl, () => failure);
  } catch (error) {
    await close();
    throw new Error(`E2E: PulseAudio could not start (${error instanceof Error ? error.message : String(error)}). Install Debian's pulseaudio (bash .ci/run does).`, {
      cause: error,
    });
  }
  try {
    const channels = options.micChannels === undefined ? [] : [`channels=${options.micChannels}`];
    await pactl('load-module', 'module-remap-source', 'master=room.monitor', 'source_name=mic', ...channels);
    await pactl('set-default-sink', 'spk');
    await pactl('set-default-source', 'mic');
  } catch (error) {
    await close();
    throw error;
  }

  const record = (source: PulseDevice, rate: number): (() => Promise<Buffer>) => {
    const recorder = spawn('parec', [`--device=${source}`, '--raw', `--rate=${rate}`, '--channels=1', '--format=s16le'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    const chunks: Buffer[] = [];
    let recorderErr = '';
    recorder.stdout.on('data', (chunk: Buffer) => chunks.push(chunk));
    recorder.stderr.on('data', (chunk: Buffer) => (recorderErr += chunk.toString()));
    // 'close', not 'exit': the last chunks are read once stdout has closed.
    const done = new Promise<Buffer>((resolve, reject) => {
      recorder.once('error', reject);
      recorder.once('close', () => (chunks.length > 0 ? resolve(Buffer.concat(chunks)) : reject(new Error(`E2E: parec recorded nothing from ${source}: ${recorderErr}`))));
    });
    return () => {
      recorder.kill('SIGTERM');
      return done;
    };
  };

  return {
    server,
    async say(wavPath) {
      await run('paplay', ['--device=room', wavPath], { env, timeout: 60_000 });
    },
    record(source, rate) {
      const stop = record(source, rate);
      return async () => {
        const bytes = await stop();
        return new Int16Array(bytes.buffer, bytes.byteOffset, Math.floor(bytes.byteLength / 2));
      };
    },
    async listen(ms) {
      const stop = record('mic', LISTEN_RATE);
      await new Promise((resolve) => setTimeout(resolve, ms));
      return stop();
    },
    async loopSpeakerIntoMic({ latencyMs, volumePercent }) {
      const module = (await pactl('load-module', 'module-loopback', 'source=spk.monitor', 'sink=room', `latency_msec=${latencyMs}`)).trim();
      try {
        if (volumePercent !== undefined) await pactl('set-sink-input-volume', await sinkInputOf(pactl, module), `${volumePercent}%`);
      } catch (error) {
        await pactl('unload-module', module);
        throw error;
      }
      return async () => void (await pactl('unload-module', module));
    },
    async captures() {
      const lines = (await pactl('list', 'short', 'source-outputs')).split('\n');
      // The remap and loopback modules' own capture streams are not clients.
      return lines.filter((line) => line.includes('protocol-native'));
    },
    close,
  };
}

/** Polls `pactl info` until the server answers; stops early once the daemon has failed. */
async function waitForServer(pactl: (...args: string[]) => Promise<string>, failed: () => Error | undefined): Promise<void> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const failure = failed();
    if (failure !== undefined) throw failure;
    if (await pactl('info').then(() => true, () => false)) return;
    if (Date.now() > deadline) throw new Error(`no answer to pactl info within 15 s`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** The sink input a module owns (the loopback's), from the long listing's "Owner Module". */
async function sinkInputOf(pactl: (...args: string[]) => Promise<string>, module: string): Promise<string> {
  const listing = await pactl('list', 'sink-inputs');
  for (const block of listing.split(/^(?=Sink Input #)/m)) {
    const index = /^Sink Input #(\d+)/.exec(block)?.[1];
    if (index !== undefined && new RegExp(`^\\s*Owner Module: ${module}$`, 'm').test(block)) return index;
  }
  throw new Error(`E2E: no sink input of module ${module}:\n${listing}`);
}

/** Mean power of s16le samples in dBFS (-100 for digital silence). */
export function levelDb(pcm: Buffer): number {
  const samples = Math.floor(pcm.length / 2);
  let sum = 0;
  for (let i = 0; i < samples; i++) sum += (pcm.readInt16LE(i * 2) / 32_768) ** 2;
  return powerDb(samples === 0 ? 0 : sum / samples);
}

/** Levels (dBFS, -100 for silence) of consecutive 100 ms windows of samples at `rate`. */
export function windowLevelsDb(samples: Int16Array, rate: number): number[] {
  const window = rate / 10;
  const levels: number[] = [];
  for (let start = 0; start + window <= samples.length; start += window) {
    let sum = 0;
    for (let i = start; i < start + window; i++) sum += ((samples[i] ?? 0) / 32_768) ** 2;
    levels.push(powerDb(sum / window));
  }
  return levels;
}

function powerDb(meanSquare: number): number {
  return meanSquare <= 1e-10 ? -100 : 10 * Math.log10(meanSquare);
}
