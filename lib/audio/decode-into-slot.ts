// The one decode step both players share (lib/chat/audio-player.ts in the panel, lib/voice/speech-player.ts
// in the voice engine): clips decode in parallel but play in queue order, so a decoded clip only fills
// its slot and lets the player's pump see whether the head of the queue is ready.

export interface DecodeSlot {
  /** undefined while decoding, null when the clip could not be decoded (the queue moves past it). */
  buffer: AudioBuffer | null | undefined;
}

/**
 * Decodes `data` into `slot`, then calls `onSettled`. A result that arrives after the player was
 * stopped (`isCurrent()` false) is dropped: the slot belongs to a queue that no longer exists.
 */
export function decodeIntoSlot(
  context: Pick<BaseAudioContext, 'decodeAudioData'>,
  data: ArrayBuffer,
  slot: DecodeSlot,
  isCurrent: () => boolean,
  onSettled: () => void,
): void {
  const settle = (buffer: AudioBuffer | null) => {
    if (!isCurrent()) return;
    slot.buffer = buffer;
    onSettled();
  };
  context.decodeAudioData(data).then(settle, () => settle(null));
}
