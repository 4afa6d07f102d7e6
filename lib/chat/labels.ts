import type { ConnectionStatus } from '../messages.ts';

/** mm:ss for the recording timer. */
export function formatElapsed(ms: number): string {
  const seconds = Math.max(0, Math.floor(ms / 1000));
  return `${String(Math.floor(seconds / 60)).padStart(2, '0')}:${String(seconds % 60).padStart(2, '0')}`;
}

export interface StatusLine {
  text: string;
  tone: 'ok' | 'busy' | 'error';
  /** The fix is in the options page. */
  openOptions: boolean;
}

/** The header's connection line. */
export function statusLine(status: ConnectionStatus, now: number): StatusLine {
  switch (status.state) {
    case 'connected':
      return { text: 'Connected', tone: 'ok', openOptions: false };
    case 'idle':
      return { text: status.detail ?? 'Ready', tone: 'ok', openOptions: false };
    case 'connecting':
      return { text: 'Connecting…', tone: 'busy', openOptions: false };
    case 'reconnecting': {
      const wait = status.nextRetryAt === undefined ? 0 : Math.ceil((status.nextRetryAt - now) / 1000);
      return { text: wait > 0 ? `Reconnecting in ${wait}s…` : 'Reconnecting…', tone: 'busy', openOptions: false };
    }
    case 'unauthorized':
      return { text: `${status.detail ?? 'Wrong token'}: open options`, tone: 'error', openOptions: true };
    case 'misconfigured':
      return { text: `${status.detail ?? 'Not set up'}: open options`, tone: 'error', openOptions: true };
  }
}
