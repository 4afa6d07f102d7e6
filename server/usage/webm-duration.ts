// How long a WebM/Matroska recording lasts, read from its block timestamps.
// MediaRecorder writes no Duration (the header is written before the length is known) and uses
// unknown-size Segment and Cluster elements, so the duration is the last block's time: cluster
// Timecode plus the block's relative timecode, scaled by TimecodeScale. Only element headers are
// read; block payloads are skipped, so the walk costs microseconds even for a long recording.

const ID = {
  ebml: 0x1a45dfa3,
  segment: 0x18538067,
  info: 0x1549a966,
  timecodeScale: 0x2ad7b1,
  duration: 0x4489,
  cluster: 0x1f43b675,
  clusterTimecode: 0xe7,
  simpleBlock: 0xa3,
  blockGroup: 0xa0,
  block: 0xa1,
} as const;

/** Master elements whose children we read; every other element is skipped by its size. */
const ENTER = new Set<number>([ID.segment, ID.info, ID.cluster, ID.blockGroup]);

/** Matroska's default: timecodes count milliseconds. */
const DEFAULT_TIMECODE_SCALE_NS = 1_000_000;

interface Vint {
  value: number;
  length: number;
  /** All value bits set: the element's size is unknown (live streams, MediaRecorder). */
  unknown: boolean;
}

function readVint(bytes: Uint8Array, offset: number, keepMarker: boolean): Vint | undefined {
  const first = bytes[offset];
  if (first === undefined || first === 0) return undefined;
  const length = Math.clz32(first) - 23;
  if (length > 8 || offset + length > bytes.length) return undefined;
  let value = keepMarker ? first : first & (0xff >> length);
  let allOnes = value === 0xff >> length;
  for (let i = 1; i < length; i++) {
    const byte = bytes[offset + i] ?? 0;
    value = value * 256 + byte;
    allOnes &&= byte === 0xff;
  }
  return { value, length, unknown: !keepMarker && allOnes };
}

function readUint(bytes: Uint8Array, offset: number, size: number): number {
  let value = 0;
  for (let i = 0; i < size; i++) value = value * 256 + (bytes[offset + i] ?? 0);
  return value;
}

function readFloat(bytes: Uint8Array, offset: number, size: number): number | undefined {
  const view = new DataView(bytes.buffer, bytes.byteOffset + offset, size);
  if (size === 4) return view.getFloat32(0);
  if (size === 8) return view.getFloat64(0);
  return undefined;
}

/**
 * Milliseconds of audio in a WebM recording, or undefined when the bytes are not EBML or hold no
 * block. A truncated file yields the duration of what arrived. The header's Duration wins when a
 * muxer wrote one (ffmpeg does; MediaRecorder does not).
 */
export function webmDurationMs(bytes: Uint8Array): number | undefined {
  if (readVint(bytes, 0, true)?.value !== ID.ebml) return undefined;
  let scaleNs = DEFAULT_TIMECODE_SCALE_NS;
  let headerDuration: number | undefined;
  let clusterTime = 0;
  let lastBlockTime: number | undefined;
  let offset = 0;
  while (offset < bytes.length) {
    const id = readVint(bytes, offset, true);
    if (!id) break;
    const size = readVint(bytes, offset + id.length, false);
    if (!size) break;
    const body = offset + id.length + size.length;
    if (ENTER.has(id.value)) {
      offset = body;
      continue;
    }
    // Only master elements may have an unknown size; anything else means we lost the thread.
    if (size.unknown || body + size.value > bytes.length) break;
    if (id.value === ID.timecodeScale) scaleNs = readUint(bytes, body, size.value) || DEFAULT_TIMECODE_SCALE_NS;
    else if (id.value === ID.duration) headerDuration = readFloat(bytes, body, size.value);
    else if (id.value === ID.clusterTimecode) clusterTime = readUint(bytes, body, size.value);
    else if (id.value === ID.simpleBlock || id.value === ID.block) {
      const track = readVint(bytes, body, false);
      if (track && size.value >= track.length + 2) {
        const view = new DataView(bytes.buffer, bytes.byteOffset + body + track.length, 2);
        const time = clusterTime + view.getInt16(0);
        lastBlockTime = Math.max(lastBlockTime ?? time, time);
      }
    }
    offset = body + size.value;
  }
  const ticks = headerDuration !== undefined && headerDuration > 0 ? headerDuration : lastBlockTime;
  return ticks === undefined ? undefined : Math.round((ticks * scaleNs) / 1_000_000);
}
