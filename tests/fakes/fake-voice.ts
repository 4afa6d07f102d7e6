// Speech-like audio for the fake's speech endpoint when a test asks for it (`speechVoice: 'espeak'`):
// the input read by espeak-ng, 10 dB down, encoded by ffmpeg. The default tone is no stand-in for a
// voice where it matters: a voice activity detector ignores a steady tone, so "the assistant never hears
// itself" would hold for a tone whatever the echo canceller did. Rendered once per text, speed and format.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { SAMPLE_RATE } from './fake-audio.ts';

const run = promisify(execFile);

export type VoiceFormat = 'mp3' | 'wav' | 'pcm';

/** espeak-ng's default rate; OpenAI's `speed` scales it. */
const ESPEAK_WORDS_PER_MINUTE = 175;
const ENCODERS: Record<VoiceFormat, string[]> = {
  mp3: ['-c:a', 'libmp3lame', '-b:a', '48k', '-f', 'mp3'],
  wav: ['-c:a', 'pcm_s16le', '-f', 'wav'],
  pcm: ['-c:a', 'pcm_s16le', '-f', 's16le'],
};

const cache = new Map<string, Promise<Buffer>>();

async function render(text: string, speed: number, format: VoiceFormat): Promise<Buffer> {
  const wordsPerMinute = String(Math.round(ESPEAK_WORDS_PER_MINUTE * speed));
  // `--` keeps a sentence that starts with "-" from being read as an option.
  const { stdout: wav } = await run('espeak-ng', ['-v', 'en-us', '-s', wordsPerMinute, '--stdout', '--', text], { encoding: 'buffer', maxBuffer: 64 * 1024 * 1024 });
  const encoder = run('ffmpeg', ['-v', 'error', '-nostdin', '-f', 'wav', '-i', 'pipe:0', '-af', 'volume=-10dB', '-ac', '1', '-ar', String(SAMPLE_RATE), ...ENCODERS[format], 'pipe:1'], {
    encoding: 'buffer',
    maxBuffer: 64 * 1024 * 1024,
  });
  encoder.child.stdin?.end(wav);
  return (await encoder).stdout;
}

export function espeakAudio(text: string, speed: number, format: VoiceFormat): Promise<Buffer> {
  const key = `${format} ${speed} ${text}`;
  let audio = cache.get(key);
  if (audio === undefined) {
    audio = render(text, speed, format);
    // A failed rendering is not kept: the next request tries again.
    audio.catch(() => cache.delete(key));
    cache.set(key, audio);
  }
  return audio;
}
