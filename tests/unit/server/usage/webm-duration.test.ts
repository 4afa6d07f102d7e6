// @vitest-environment node
import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { webmDurationMs } from '../../../../server/usage/webm-duration.ts';

const fixture = async (name: string) => new Uint8Array(await readFile(new URL(`../../../fixtures/${name}`, import.meta.url)));

describe('webmDurationMs', () => {
  it('reads the Duration a muxer wrote into the header', async () => {
    // ffprobe -show_entries format=duration tests/fixtures/question.webm → 1.866000
    expect(webmDurationMs(await fixture('question.webm'))).toBe(1866);
  });

  it('falls back to the last block time for a live (MediaRecorder-style) file without Duration', async () => {
    // question-live.webm = `ffmpeg -i question.webm -c copy -f webm -live 1`: unknown-size Segment and
    // Clusters and no Duration, as MediaRecorder writes them. Its last packet starts at ~1.86 s.
    const bytes = await fixture('question-live.webm');
    // No Duration element (id 0x4489) anywhere: the fallback is what gets measured.
    expect(Buffer.from(bytes).includes(Buffer.from([0x44, 0x89]))).toBe(false);
    expect(Buffer.from(await fixture('question.webm')).includes(Buffer.from([0x44, 0x89]))).toBe(true);
    const ms = webmDurationMs(bytes) ?? 0;
    expect(ms).toBeGreaterThanOrEqual(1840);
    expect(ms).toBeLessThanOrEqual(1880);
  });

  it('measures what arrived of a truncated recording', async () => {
    const bytes = await fixture('question-live.webm');
    const half = webmDurationMs(bytes.subarray(0, Math.floor(bytes.length / 2))) ?? 0;
    expect(half).toBeGreaterThan(0);
    expect(half).toBeLessThan(webmDurationMs(bytes) ?? 0);
  });

  it('reads a block timecode before its cluster\'s as negative (a signed 16-bit offset)', () => {
    // EBML header (empty), Segment and Cluster of unknown size, cluster Timecode 1000, then one
    // SimpleBlock on track 1 at -100 (0xff9c) and one at -2 (0xfffe): the last block time is 998 ms.
    const bytes = new Uint8Array([
      0x1a, 0x45, 0xdf, 0xa3, 0x80,
      0x18, 0x53, 0x80, 0x67, 0x01, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
      0x1f, 0x43, 0xb6, 0x75, 0x01, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
      0xe7, 0x82, 0x03, 0xe8,
      0xa3, 0x84, 0x81, 0xff, 0x9c, 0x80,
      0xa3, 0x84, 0x81, 0xff, 0xfe, 0x80,
    ]);
    expect(webmDurationMs(bytes)).toBe(998);
  });

  it('gives the same length however often it is asked, interleaved with other recordings', async () => {
    const live = await fixture('question-live.webm');
    const muxed = await fixture('question.webm');
    const first = [webmDurationMs(live), webmDurationMs(muxed)];
    expect([webmDurationMs(live), webmDurationMs(muxed), webmDurationMs(live)]).toEqual([first[0], first[1], first[0]]);
  });

  it('returns undefined for bytes that are not WebM or hold no audio block', async () => {
    expect(webmDurationMs(new Uint8Array())).toBeUndefined();
    expect(webmDurationMs(new TextEncoder().encode('RIFF....WAVEfmt '))).toBeUndefined();
    expect(webmDurationMs((await fixture('question-live.webm')).subarray(0, 64))).toBeUndefined();
  });

  it('survives garbage after a valid header without looping or throwing', async () => {
    const head = (await fixture('question-live.webm')).subarray(0, 300);
    const noise = new Uint8Array(10_000).map((_, i) => (i * 7919) % 256);
    const bytes = new Uint8Array([...head, ...noise]);
    expect(() => webmDurationMs(bytes)).not.toThrow();
  });
});
