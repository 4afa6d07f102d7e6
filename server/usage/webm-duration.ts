// How long a WebM/Matroska recording lasts, read from its block timestamps.
// MediaRecorder writes no Duration (the header is written before the length is known) and uses
// unknown-size Segment and Cluster elements, so the duration is the last block's time: cluster
// Timecode plus the block's relative timecode, scaled by TimecodeScale. Only element headers are
// read; block payloads are skipped, so the walk costs microseconds even for a long recording.
// It allocates nothing per element: a minute of opus has ~3,000 blocks, and an object per number read
// made this walk 28 % of all the relay's heap allocation while 100 speakers uploaded (issue 10,
// docs/reliability.md "AudioEnd → STT request").

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

// The last readVint's result, in module state rather than a fresh object per call (the walk is
// synchronous, so nothing else reads it in between).
let vintValue = 0;
let vintLength = 0;
/** All value bits set: the element's size is unknown (live streams, MediaRecorder). */
let vintUnknown = false;

/** Reads a variable-length integer into vintValue / vintLength / vintUnknown; false when there is none. */
function readVint(bytes: Uint8Array, offset: number, keepMarker: boolean): boolean {
  const first = bytes[offset];
  if (first === undefined || first === 0) return false;
  const length = Math.clz32(first) - 23;
  if (length > 8 || offset + length > bytes.length) return false;
  let value = keepMarker ? first : first & (0xff >> length);
  let allOnes = value === 0xff >> length;
  for (let i = 1; i < length; i++) {
    const byte = bytes[offset + i] ?? 0;
    value = value * 256 + byte;
    allOnes &&= byte === 0xff;
  }
  vintValue = value;
  vintLength = length;
  vintUnknown = !keepMarker && allOnes;
  return true;
}

/** A big-endian signed 16-bit integer (a block's timecode relative to its cluster). */
function readInt16(bytes: Uint8Array, offset: number): number {
  return ((((bytes[offset] ?? 0) << 8) | (bytes[offset + 1] ?? 0)) << 16) >> 16;
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
  if (!readVint(bytes, 0, true) || vintValue !== ID.ebml) return undefined;
  let scaleNs = DEFAULT_TIMECODE_SCALE_NS;
  let headerDuration: number | undefined;
  let clusterTime = 0;
  let lastBlockTime: number | undefined;
  let offset = 0;
  while (offset < bytes.length) {
    if (!readVint(bytes, offset, true)) break;
    // Typed: TypeScript cannot see readVint change vintValue, and would keep the narrowing above.
    const id: number = vintValue;
    const sizeAt = offset + vintLength;
    if (!readVint(bytes, sizeAt, false)) break;
    const size: number = vintValue;
    const body = sizeAt + vintLength;
    if (ENTER.has(id)) {
      offset = body;
      continue;
    }
    // Only master elements may have an unknown size; anything else means we lost the thread.
    if (vintUnknown || body + size > bytes.length) break;
    if (id === ID.timecodeScale) scaleNs = readUint(bytes, body, size) || DEFAULT_TIMECODE_SCALE_NS;
    else if (id === ID.duration) headerDuration = readFloat(bytes, body, size);
    else if (id === ID.clusterTimecode) clusterTime = readUint(bytes, body, size);
    else if (id === ID.simpleBlock || id === ID.block) {
      // The block starts with its track number (a vint), then the 16-bit relative timecode.
      if (readVint(bytes, body, false) && size >= vintLength + 2) {
        const time = clusterTime + readInt16(bytes, body + vintLength);
        lastBlockTime = Math.max(lastBlockTime ?? time, time);
      }
    }
    offset = body + size;
  }
  const ticks = headerDuration !== undefined && headerDuration > 0 ? headerDuration : lastBlockTime;
  return ticks === undefined ? undefined : Math.round((ticks * scaleNs) / 1_000_000);
}
