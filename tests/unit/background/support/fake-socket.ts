import { decodeClientFrame, encodeServerMessage, type ClientMessage, type ServerMessage } from '../../../../protocol/index.ts';
import type { SocketLike } from '../../../../lib/background/relay-client.ts';

/** A WebSocket stand-in driven by the test (for fake-timer tests where a real socket cannot run). */
export class FakeSocket implements SocketLike {
  static instances: FakeSocket[] = [];
  binaryType = 'blob';
  readyState = 0;
  sent: ClientMessage[] = [];
  onopen: ((event: unknown) => void) | null = null;
  onmessage: ((event: { data: unknown }) => void) | null = null;
  onclose: ((event: { code: number; reason: string }) => void) | null = null;
  onerror: ((event: unknown) => void) | null = null;

  constructor(
    readonly url: string,
    readonly protocols: string[],
  ) {
    FakeSocket.instances.push(this);
  }
  send(data: Uint8Array): void {
    const decoded = decodeClientFrame(data, 'v1');
    if (!decoded.ok) throw new Error(decoded.error.message);
    this.sent.push(decoded.value);
  }
  close(code = 1000, reason = ''): void {
    if (this.readyState >= 2) return;
    this.readyState = 3;
    this.onclose?.({ code, reason });
  }
  // ---- test side
  open(): void {
    this.readyState = 1;
    this.onopen?.({});
  }
  receive(message: ServerMessage): void {
    const bytes = encodeServerMessage(message, 'v1');
    this.onmessage?.({ data: bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) });
  }
  serverClose(code: number, reason = ''): void {
    this.readyState = 3;
    this.onclose?.({ code, reason });
  }
}
