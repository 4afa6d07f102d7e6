import type { SenderLike } from '../background/sender.ts';

/**
 * Recorder commands must come from Parley's own background: a message from the
 * service worker carries the extension id and no tab (content scripts always have one).
 */
export function isFromBackground(sender: SenderLike | undefined, runtimeId: string): boolean {
  return sender?.id === runtimeId && sender.tab === undefined;
}
