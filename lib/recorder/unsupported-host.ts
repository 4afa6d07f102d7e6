import type { RecorderHost } from './recorder-host.ts';

/**
 * Placeholder for browsers without an offscreen API (Firefox) until issue 5
 * gives them a recorder host. Voice fails with a clear message, never silently.
 */
export function createUnsupportedRecorderHost(message = 'Voice messages are not available in this browser yet.'): RecorderHost {
  return {
    start: () => Promise.resolve({ ok: false, code: 'UNSUPPORTED', message }),
    stop: () => Promise.resolve(),
    dispose: () => undefined,
  };
}
