// A real audio path for conversation-mode E2E: Chrome applies echo cancellation and plays audio only
// with an audio backend. PulseAudio with a null sink (speaker) and a null source (microphone) as
// defaults; without a source Chrome skips audio processing ("unsupported device parameters").
// Started here, not in .ci/run, and never skipped: without PulseAudio the test fails and says why.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

async function pactl(...args: string[]): Promise<string> {
  return (await run('pactl', args, { timeout: 10_000 })).stdout;
}

export async function ensurePulseAudio(): Promise<void> {
  const running = await pactl('info').then(
    () => true,
    () => false,
  );
  if (!running) {
    try {
      await run('pulseaudio', ['-D', '-n', '--exit-idle-time=-1', '--load=module-native-protocol-unix', '--load=module-null-sink sink_name=vspk', '--load=module-always-sink'], { timeout: 20_000 });
    } catch (error) {
      throw new Error(
        `E2E: PulseAudio could not start (${error instanceof Error ? error.message : String(error)}). Install Debian's pulseaudio (bash .ci/run does).`,
        { cause: error },
      );
    }
  }
  const sinks = await pactl('list', 'short', 'sinks');
  if (!/\bvspk\b/.test(sinks)) await pactl('load-module', 'module-null-sink', 'sink_name=vspk');
  const sources = await pactl('list', 'short', 'sources');
  if (!/\bvmic\b/.test(sources)) await pactl('load-module', 'module-null-source', 'source_name=vmic');
  await pactl('set-default-sink', 'vspk');
  await pactl('set-default-source', 'vmic');
}
