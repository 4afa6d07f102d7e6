import type { MicErrorCode } from '../messages.ts';

/** One place that turns getUserMedia / MediaRecorder failures into what the user reads. */
export const MIC_MESSAGES: Record<MicErrorCode, string> = {
  PERMISSION_DENIED:
    'Parley may not use the microphone yet. A Parley tab has opened to ask for it once; allow it there, then press the mic again.',
  NO_MICROPHONE: 'No microphone was found. Connect one and try again.',
  DEVICE_LOST: 'The microphone stopped (unplugged?). That recording was discarded; please try again.',
  BLOCKED_BY_SITE: 'This page does not allow microphone use.',
  UNSUPPORTED: 'This browser cannot record audio in the format Parley needs (webm/opus).',
  FAILED: 'Recording failed.',
};

export function micErrorCode(error: unknown): MicErrorCode {
  const name = error instanceof Error || (typeof DOMException !== 'undefined' && error instanceof DOMException) ? error.name : '';
  if (name === 'NotAllowedError' || name === 'SecurityError') return 'PERMISSION_DENIED';
  if (name === 'NotFoundError' || name === 'OverconstrainedError') return 'NO_MICROPHONE';
  if (name === 'NotSupportedError') return 'UNSUPPORTED';
  return 'FAILED';
}

export function micError(error: unknown): { code: MicErrorCode; message: string } {
  const code = micErrorCode(error);
  const detail = code === 'FAILED' && error instanceof Error && error.message ? ` (${error.message})` : '';
  return { code, message: MIC_MESSAGES[code] + detail };
}
