// A recording collected into one growing buffer (server/session/recording-buffer.ts): the bytes come
// out in order across growths, a speculation's prefix stays intact while the recording grows, and
// growing never allocates past the recording's cap.
import { describe, expect, it } from 'vitest';
import { createRecordingBuffer } from '../../../../server/session/recording-buffer.ts';

/** `count` chunks of `size` bytes, each byte saying which chunk and offset it came from. */
function chunksOf(count: number, size: number): Uint8Array[] {
  return Array.from({ length: count }, (_, c) => Uint8Array.from({ length: size }, (_, i) => (c * 31 + i) % 251));
}
const joined = (parts: Uint8Array[]) => Uint8Array.from(parts.flatMap((part) => [...part]));

describe('recording buffer', () => {
  it('returns every chunk in order, byte for byte, across several growths', () => {
    // 300 KB: past the 64 KB first allocation, so it grows three times.
    const parts = chunksOf(300, 1000);
    const recording = createRecordingBuffer(25 * 1024 * 1024);
    for (const part of parts) recording.append(part);
    expect(recording.bytes).toBe(300_000);
    expect(recording.chunks).toBe(300);
    expect(recording.audio()).toEqual(joined(parts));
  });

  it('gives the first n chunks for a pause, and that view survives later appends and growths', () => {
    const parts = chunksOf(200, 997);
    const recording = createRecordingBuffer(25 * 1024 * 1024);
    for (const part of parts.slice(0, 50)) recording.append(part);
    const prefix = recording.audio(40);
    for (const part of parts.slice(50)) recording.append(part);
    expect(prefix).toEqual(joined(parts.slice(0, 40)));
    expect(recording.audio(120)).toEqual(joined(parts.slice(0, 120)));
    expect(recording.audio(0).byteLength).toBe(0);
  });

  it('copies each chunk in, so the sender may reuse its buffer', () => {
    const recording = createRecordingBuffer(1024);
    const frame = new Uint8Array([1, 2, 3]);
    recording.append(frame);
    frame.fill(9);
    recording.append(frame);
    expect([...recording.audio()]).toEqual([1, 2, 3, 9, 9, 9]);
  });

  it('never allocates past the cap, even when doubling would', () => {
    const cap = 100_000;
    const recording = createRecordingBuffer(cap);
    for (const part of chunksOf(100, 1000)) recording.append(part);
    expect(recording.bytes).toBe(cap);
    expect(recording.audio().buffer.byteLength).toBe(cap);
  });

  it('is empty before the first chunk', () => {
    const recording = createRecordingBuffer(1024);
    expect(recording.bytes).toBe(0);
    expect(recording.chunks).toBe(0);
    expect(recording.audio().byteLength).toBe(0);
  });
});
