// A recording being uploaded, collected into one growing buffer instead of one copy per chunk.
// A 60 s recording arrives as 240 slices of about 1 KB: the relay used to keep 240 small ArrayBuffers
// per recording (24,000 with 100 speakers) and, at AudioEnd, copy them all once more into one piece,
// an allocation of the whole clip on the path from AudioEnd to the STT request (issue 10,
// docs/reliability.md "AudioEnd → STT request"). Here a recording allocates a few buffers while it
// uploads (doubling: 64, 128, 256 KB for a minute of opus) and AudioEnd hands the turn a view.

/** The first allocation; doubled as needed up to the recording's cap (a 60 s webm/opus slice set is ~240 KB). */
const INITIAL_CAPACITY = 64 * 1024;

export interface RecordingBuffer {
  /** Bytes collected so far. */
  readonly bytes: number;
  /** Chunks collected so far. */
  readonly chunks: number;
  /** Copies `data` in (the caller's buffer may be reused once it returns). The caller enforces the byte cap. */
  append(data: Uint8Array): void;
  /**
   * The first `chunks` chunks (default: all) as one view, not a copy. Safe to hand to a request while
   * the recording grows: appends only write past the end, and growing copies into a new buffer.
   */
  audio(chunks?: number): Uint8Array;
}

/** `maxBytes`: the recording's cap (PARLEY_MAX_AUDIO_BYTES), so doubling never allocates beyond it. */
export function createRecordingBuffer(maxBytes: number): RecordingBuffer {
  let store = new Uint8Array(0);
  let bytes = 0;
  // Where each chunk ends, for a speculation's prefix (SpeechPaused names a chunk count).
  const ends: number[] = [];

  const ensure = (needed: number) => {
    if (needed <= store.byteLength) return;
    const doubled = Math.min(maxBytes, Math.max(INITIAL_CAPACITY, store.byteLength * 2));
    const grown = new Uint8Array(Math.max(needed, doubled));
    grown.set(store.subarray(0, bytes));
    store = grown;
  };

  return {
    get bytes() {
      return bytes;
    },
    get chunks() {
      return ends.length;
    },
    append(data) {
      ensure(bytes + data.byteLength);
      store.set(data, bytes);
      bytes += data.byteLength;
      ends.push(bytes);
    },
    audio(chunks = ends.length) {
      const end = chunks <= 0 ? 0 : (ends[Math.min(chunks, ends.length) - 1] ?? 0);
      return store.subarray(0, end);
    },
  };
}
