// A room for conversation-mode E2E: a private PulseAudio server (own runtime directory and socket, so
// parallel runs and other people's daemons never share devices) in which Chromium's speaker can be heard
// by its microphone, as on a laptop without headphones.
//
//   Chromium ──▶ sink "spk" ──(module-loopback, attenuated: the echo)──▶ sink "room" ◀── paplay (the user)
//                                                                          │ monitor
//   Chromium ◀── source "mic" (module-remap-source of room.monitor, the default source)
//
// The microphone is a remap of the room's monitor, not the monitor itself: Chromium leaves monitor
// sources out of its input devices. The test speaks by playing a WAV into "room" when it chooses.
import { execFile, spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface PulseRoomOptions {
  /** Route the speaker into the room (default true); without it the mic hears only the user. */
  echo?: boolean;
  /** Loopback volume in percent of PulseAudio's scale (cubic: 50% ≈ -18 dB). */
  echoVolumePercent?: number;
}

export interface PulseRoom {
  /** For LaunchOptions.pulseServer. */
  readonly server: string;
  /** Plays a WAV into the room (the user speaking); resolves when it has played. */
  say(wavPath: string): Promise<void>;
  /** What the microphone picks up (before Chromium's processing) for `ms`: 48 kHz mono s16le. */
  listen(ms: number): Promise<Buffer>;
  close(): Promise<void>;
}

export async function startPulseRoom(options: PulseRoomOptions = {}): Promise<PulseRoom> {
  const dir = await mkdtemp(join(tmpdir(), 'parley-room-'));
  const server = `unix:${join(dir, 'native')}`;
  // HOME too: PulseAudio keeps its cookie and state there; nothing of the user's session is touched.
  const env = { ...process.env, PULSE_RUNTIME_PATH: dir, XDG_RUNTIME_DIR: dir, HOME: dir, PULSE_SERVER: server };
  const pactl = async (...args: string[]): Promise<string> => (await run('pactl', args, { env, timeout: 10_000 })).stdout;
  try {
    await run(
      'pulseaudio',
      [
        '-D',
        '-n',
        '--exit-idle-time=-1',
        '--use-pid-file=true',
        `--load=module-native-protocol-unix socket=${join(dir, 'native')} auth-anonymous=1`,
        '--load=module-null-sink sink_name=spk',
        '--load=module-null-sink sink_name=room',
        '--load=module-always-sink',
      ],
      { env, timeout: 20_000 },
    );
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw new Error(`E2E: PulseAudio could not start (${error instanceof Error ? error.message : String(error)}). Install Debian's pulseaudio (bash .ci/run does).`, {
      cause: error,
    });
  }
  const close = async (): Promise<void> => {
    const pid = Number((await readFile(join(dir, 'pid'), 'utf8').catch(() => '')).trim());
    if (pid > 0 && signal(pid, 'SIGTERM')) {
      // It writes to its runtime directory while it exits: remove the directory once it has gone.
      for (let waited = 0; waited < 5000 && signal(pid, 0); waited += 50) await new Promise((resolve) => setTimeout(resolve, 50));
    }
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await pactl('load-module', 'module-remap-source', 'master=room.monitor', 'source_name=mic');
    if (options.echo !== false) {
      await pactl('load-module', 'module-loopback', 'source=spk.monitor', 'sink=room', 'latency_msec=20');
      // Nothing else plays yet: the loopback's is the only sink input (its owner column reads "-").
      const inputs = await pactl('list', 'short', 'sink-inputs');
      const input = inputs.split('\n').find((line) => line.split('\t')[3] === 'module-loopback.c')?.split('\t')[0];
      if (input === undefined) throw new Error(`E2E: no sink input for the loopback:\n${inputs}`);
      await pactl('set-sink-input-volume', input, `${options.echoVolumePercent ?? 50}%`);
    }
    await pactl('set-default-sink', 'spk');
    await pactl('set-default-source', 'mic');
  } catch (error) {
    await close();
    throw error;
  }
  return {
    server,
    async say(wavPath) {
      await run('paplay', ['--device=room', wavPath], { env, timeout: 60_000 });
    },
    listen(ms) {
      return new Promise((resolve, reject) => {
        const recorder = spawn('parec', ['--device=mic', '--raw', `--rate=${LISTEN_RATE}`, '--channels=1', '--format=s16le'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
        const chunks: Buffer[] = [];
        let stderr = '';
        recorder.stdout.on('data', (chunk: Buffer) => chunks.push(chunk));
        recorder.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
        recorder.on('error', reject);
        recorder.on('close', () => (chunks.length > 0 ? resolve(Buffer.concat(chunks)) : reject(new Error(`E2E: parec recorded nothing: ${stderr}`))));
        setTimeout(() => recorder.kill('SIGTERM'), ms);
      });
    },
    close,
  };
}

export const LISTEN_RATE = 48_000;

/** process.kill that says whether the process was there (signal 0 only asks). */
function signal(pid: number, name: NodeJS.Signals | 0): boolean {
  try {
    process.kill(pid, name);
    return true;
  } catch {
    // ESRCH: it has exited.
    return false;
  }
}

/** Mean power of s16le samples in dBFS (-100 for digital silence). */
export function levelDb(pcm: Buffer): number {
  let sum = 0;
  const samples = Math.floor(pcm.length / 2);
  for (let i = 0; i < samples; i++) sum += (pcm.readInt16LE(i * 2) / 32_768) ** 2;
  const mean = samples === 0 ? 0 : sum / samples;
  return mean <= 1e-10 ? -100 : 10 * Math.log10(mean);
}
