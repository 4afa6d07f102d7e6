/** "audio/webm;codecs=opus" → "audio/webm". */
export function baseMimeType(mimeType: string): string {
  return (mimeType.split(';')[0] ?? '').trim().toLowerCase() || 'audio/webm';
}

const EXTENSIONS: Record<string, string> = {
  'audio/webm': 'webm',
  'video/webm': 'webm',
  'audio/ogg': 'ogg',
  'audio/wav': 'wav',
  'audio/x-wav': 'wav',
  'audio/wave': 'wav',
  'audio/mpeg': 'mp3',
  'audio/mp3': 'mp3',
  'audio/mp4': 'm4a',
  'audio/x-m4a': 'm4a',
  'audio/flac': 'flac',
};

/**
 * OpenAI picks the decoder from the upload's file extension, so the name must match the bytes.
 * Unknown types fall back to webm, which is what MediaRecorder produces in Chrome and Firefox.
 */
export function audioFileName(mimeType: string): string {
  return `recording.${EXTENSIONS[baseMimeType(mimeType)] ?? 'webm'}`;
}
