import type { ContentToBackground } from '../../../../lib/messages.ts';
import type { ChatPortLike } from '../../../../lib/chat/port-client.ts';

/** A chat port the test plays the background for. */
export class FakePort implements ChatPortLike {
  sent: ContentToBackground[] = [];
  disconnected = false;
  #onMessage: Array<(message: unknown) => void> = [];
  #onDisconnect: Array<() => void> = [];

  postMessage(message: ContentToBackground): void {
    if (this.disconnected) throw new Error('Attempting to use a disconnected port object');
    this.sent.push(message);
  }
  disconnect(): void {
    this.disconnected = true;
  }
  onMessage = { addListener: (listener: (message: unknown) => void) => void this.#onMessage.push(listener) };
  onDisconnect = { addListener: (listener: () => void) => void this.#onDisconnect.push(listener) };

  /** The background posts. */
  deliver(message: unknown): void {
    for (const listener of this.#onMessage) listener(message);
  }
  /** The background went away (worker stopped, extension reloaded). */
  drop(): void {
    this.disconnected = true;
    for (const listener of this.#onDisconnect) listener();
  }
}
