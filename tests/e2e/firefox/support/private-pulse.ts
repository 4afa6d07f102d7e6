// A PulseAudio server of the test's own for Firefox's microphone and speaker. Firefox has no
// capture-file option like Chromium's, and its fake microphone is a tone the VAD does not take for
// speech, so the test speaks into a null sink ("feed") whose monitor, remapped as a plain source
// ("mic"), is this server's default microphone; Firefox plays into another null sink ("spk"),
// which the test records to hear what was played. A private server (its own socket, handed to
// Firefox as PULSE_SERVER) leaves the shared one and its defaults to the Chromium tests.
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { waitUntil } from './firefox-ax.ts';

const run = promisify(execFile);

export interface PrivatePulse {
  /** For the browser's environment: `unix:<socket>`. */
  readonly server: string;
  /** Plays a WAV file into the microphone; resolves when it has been played. */
  speak(wavPath: string): Promise<void>;
  /** Records what is played on the speaker ('spk.monitor') or heard by the microphone ('mic'), as 16 kHz mono s16le, until the returned stop. */
  record(source: 'spk.monitor' | 'mic'): () => Promise<Int16Array>;
  /** Feeds what is played on the speaker back into the microphone (speakers beside a mic); returns the undo. */
  loopSpeakerIntoMic(): Promise<() => Promise<void>>;
  /** Capture streams of clients (Firefox, parec), one `pactl list short` line each; the remap module's own is left out. */
  captures(): Promise<string[]>;
  close(): Promise<void>;
}

export async function startPrivatePulse(): Promise<PrivatePulse> {
  const dir = await mkdtemp(join(tmpdir(), 'parley-pulse-'));
  const socket = join(dir, 'native');
  const server = `unix:${socket}`;
  const env = { ...process.env, PULSE_SERVER: server, PULSE_RUNTIME_PATH: join(dir, 'runtime'), XDG_RUNTIME_DIR: dir };
  const daemon: ChildProcess = spawn(
    'pulseaudio',
    ['-n', '--daemonize=no', '--exit-idle-time=-1', '--use-pid-file=false', `--load=module-native-protocol-unix socket=${socket}`, '--load=module-null-sink sink_name=spk', '--load=module-null-sink sink_name=feed'],
    { env, stdio: 'ignore' },
  );
  // A missing binary is reported by the wait below timing out; this keeps it from crashing the run.
  daemon.once('error', () => undefined);
  const exited = new Promise<void>((resolve) => daemon.once('exit', () => resolve()));
  const pactl = async (...args: string[]) => (await run('pactl', args, { env, timeout: 10_000 })).stdout;
  try {
    await waitUntil(
      "a private PulseAudio server (Debian's pulseaudio; bash .ci/run installs it)",
      () => pactl('info').then(() => true, () => false),
      15_000,
      100,
    );
    await pactl('load-module', 'module-remap-source', 'master=feed.monitor', 'source_name=mic', 'channels=1');
    await pactl('set-default-source', 'mic');
    await pactl('set-default-sink', 'spk');
  } catch (error) {
    daemon.kill('SIGTERM');
    await rm(dir, { recursive: true, force: true });
    throw error;
  }

  return {
    server,
    async speak(wavPath) {
      await run('paplay', ['--device=feed', wavPath], { env, timeout: 60_000 });
    },
    record(source) {
      const parec = spawn('parec', [`--device=${source}`, '--format=s16le', '--rate=16000', '--channels=1', '--raw'], { env, stdio: ['ignore', 'pipe', 'ignore'] });
      const chunks: Buffer[] = [];
      parec.stdout.on('data', (chunk: Buffer) => chunks.push(chunk));
      return async () => {
        const done = new Promise<void>((resolve) => parec.once('exit', () => resolve()));
        parec.kill('SIGTERM');
        await done;
        const bytes = Buffer.concat(chunks);
        return new Int16Array(bytes.buffer, bytes.byteOffset, Math.floor(bytes.byteLength / 2));
      };
    },
    async loopSpeakerIntoMic() {
      const module = (await pactl('load-module', 'module-loopback', 'source=spk.monitor', 'sink=feed', 'latency_msec=30')).trim();
      return async () => void (await pactl('unload-module', module));
    },
    async captures() {
      const lines = (await pactl('list', 'short', 'source-outputs')).split('\n');
      // The remap and loopback modules' own capture streams are not clients.
      return lines.filter((line) => line.includes('protocol-native'));
    },
    async close() {
      daemon.kill('SIGTERM');
      await exited;
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Levels (dBFS, -100 for silence) of consecutive 100 ms windows of 16 kHz samples. */
export function windowLevelsDb(samples: Int16Array): number[] {
  const window = 1600;
  const levels: number[] = [];
  for (let start = 0; start + window <= samples.length; start += window) {
    let sum = 0;
    for (let i = start; i < start + window; i++) sum += ((samples[i] ?? 0) / 32768) ** 2;
    const mean = sum / window;
    levels.push(mean <= 1e-10 ? -100 : 10 * Math.log10(mean));
  }
  return levels;
}
