// Real, decodable audio of a requested length for the fake's speech endpoint:
// WAV is synthesised here; MP3 is built by repeating the frames of a committed fixture.
import { readFileSync } from 'node:fs';

export const SAMPLE_RATE = 24_000; // What OpenAI's TTS returns.

/** A quiet 440 Hz tone as 16-bit mono PCM, faded in and out so sentences don't click. */
export function tonePcm(durationMs: number): Buffer {
  const samples = Math.round((durationMs / 1000) * SAMPLE_RATE);
  const fade = Math.min(Math.round(SAMPLE_RATE * 0.01), Math.floor(samples / 2));
  const pcm = Buffer.alloc(samples * 2);
  for (let i = 0; i < samples; i++) {
    const envelope = Math.min(1, i / Math.max(1, fade), (samples - 1 - i) / Math.max(1, fade));
    pcm.writeInt16LE(Math.round(Math.sin((2 * Math.PI * 440 * i) / SAMPLE_RATE) * 3000 * envelope), i * 2);
  }
  return pcm;
}

export function wavAudio(durationMs: number): Buffer {
  const pcm = tonePcm(durationMs);
  const header = Buffer.alloc(44);
  header.write('RIFF', 0, 'ascii');
  header.writeUInt32LE(36 + pcm.length, 4);
  header.write('WAVE', 8, 'ascii');
  header.write('fmt ', 12, 'ascii');
  header.writeUInt32LE(16, 16); // fmt chunk size
  header.writeUInt16LE(1, 20); // PCM
  header.writeUInt16LE(1, 22); // mono
  header.writeUInt32LE(SAMPLE_RATE, 24);
  header.writeUInt32LE(SAMPLE_RATE * 2, 28); // byte rate
  header.writeUInt16LE(2, 32); // block align
  header.writeUInt16LE(16, 34); // bits per sample
  header.write('data', 36, 'ascii');
  header.writeUInt32LE(pcm.length, 40);
  return Buffer.concat([header, pcm]);
}

/*
 * tests/fixtures/tone-frames.mp3 holds 25 MPEG-2 Layer III frames (24 kHz mono, CBR 32 kb/s,
 * 96 bytes and 24 ms each, 600 ms = exactly 264 periods of 440 Hz, so it loops seamlessly).
 * Made once with:
 *   ffmpeg -f lavfi -i "sine=frequency=440:sample_rate=24000:duration=1.2" -af volume=0.1 -ac 1 -ar 24000 \
 *     -c:a libmp3lame -b:a 32k -reservoir 0 -write_xing 0 -id3v2_version 0 -f mp3 long.mp3
 *   dd if=long.mp3 of=tests/fixtures/tone-frames.mp3 bs=96 skip=8 count=25
 * Without the bit reservoir no frame borrows bits from an earlier one, and without Xing/ID3
 * headers the file is nothing but frames, so any sequence of its frames is a valid CBR mp3
 * whose duration decoders compute exactly from its size.
 */
const MP3_FIXTURE = new URL('../fixtures/tone-frames.mp3', import.meta.url);

const BITRATES_KBPS = {
  mpeg1: [0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320],
  mpeg2: [0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160],
} as const;
const SAMPLE_RATES = { mpeg1: [44_100, 48_000, 32_000], mpeg2: [22_050, 24_000, 16_000], mpeg25: [11_025, 12_000, 8_000] } as const;

interface Mp3Frames {
  frames: Buffer[];
  frameMs: number;
}

/** Splits a headerless Layer III stream into frames; throws if the fixture is not what the comment above says. */
export function splitMp3Frames(data: Buffer): Mp3Frames {
  const frames: Buffer[] = [];
  let frameMs = 0;
  for (let offset = 0; offset < data.length; ) {
    const b1 = data[offset + 1] ?? 0;
    const b2 = data[offset + 2] ?? 0;
    if (data[offset] !== 0xff || (b1 & 0xe0) !== 0xe0 || ((b1 >> 1) & 0b11) !== 0b01) {
      throw new Error(`Not an MPEG Layer III frame at byte ${offset}`);
    }
    const versionBits = (b1 >> 3) & 0b11; // 3 = MPEG-1, 2 = MPEG-2, 0 = MPEG-2.5
    const version = versionBits === 3 ? 'mpeg1' : versionBits === 2 ? 'mpeg2' : 'mpeg25';
    const bitrate = (version === 'mpeg1' ? BITRATES_KBPS.mpeg1 : BITRATES_KBPS.mpeg2)[b2 >> 4];
    const sampleRate = SAMPLE_RATES[version][(b2 >> 2) & 0b11];
    if (bitrate === undefined || bitrate === 0 || sampleRate === undefined) throw new Error(`Unsupported MP3 frame header at byte ${offset}`);
    const samplesPerFrame = version === 'mpeg1' ? 1152 : 576;
    const length = Math.floor(((samplesPerFrame / 8) * bitrate * 1000) / sampleRate) + ((b2 >> 1) & 1);
    frames.push(data.subarray(offset, offset + length));
    frameMs = (samplesPerFrame / sampleRate) * 1000;
    offset += length;
  }
  if (frames.length === 0) throw new Error('Empty MP3 fixture');
  return { frames, frameMs };
}

let mp3Frames: Mp3Frames | undefined;

export function mp3Audio(durationMs: number): Buffer {
  mp3Frames ??= splitMp3Frames(readFileSync(MP3_FIXTURE));
  const { frames, frameMs } = mp3Frames;
  const count = Math.max(1, Math.ceil(durationMs / frameMs));
  return Buffer.concat(Array.from({ length: count }, (_, i) => frames[i % frames.length] as Buffer));
}
