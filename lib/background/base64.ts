/**
 * Audio crosses runtime messaging as base64: Chrome serialises messages as JSON,
 * so ArrayBuffers and typed arrays would arrive as `{}` (PLATFORM.md).
 */
export function bytesToBase64(bytes: Uint8Array): string {
  let binary = '';
  // Chunked so String.fromCharCode never gets more arguments than the engine allows.
  const step = 0x8000;
  for (let i = 0; i < bytes.length; i += step) {
    binary += String.fromCharCode(...bytes.subarray(i, i + step));
  }
  return btoa(binary);
}

/** Returns undefined for text that is not base64 (a boundary value, never thrown). */
export function base64ToBytes(base64: string): Uint8Array | undefined {
  let binary: string;
  try {
    binary = atob(base64);
  } catch {
    // atob throws InvalidCharacterError: the caller treats undefined as a bad message.
    return undefined;
  }
  const out = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i);
  return out;
}
