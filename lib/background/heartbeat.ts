/**
 * App-level keepalive for the relay socket. Two jobs:
 * - MV3 stops an idle extension service worker after 30 s even with an open
 *   WebSocket; protocol-level pings do not count, WebSocket messages do
 *   (PLATFORM.md). A Ping frame every 20 s keeps the worker alive.
 * - A relay that vanished without a close frame (network cut, laptop sleep) is
 *   only noticed when a Pong does not come back in time.
 */
export interface HeartbeatOptions {
  intervalMs: number;
  timeoutMs: number;
  sendPing: (nonce: number) => void;
  onDead: () => void;
}

export interface Heartbeat {
  /** Feed every Pong; unknown nonces are ignored. */
  pong(nonce: number): void;
  stop(): void;
}

export function startHeartbeat(options: HeartbeatOptions): Heartbeat {
  let outstanding: number | undefined;
  let deadline: ReturnType<typeof setTimeout> | undefined;
  let nonce = Math.floor(Math.random() * 0xffff);

  const interval = setInterval(() => {
    nonce = (nonce + 1) >>> 0;
    outstanding = nonce;
    options.sendPing(nonce);
    if (deadline === undefined) {
      deadline = setTimeout(() => {
        stop();
        options.onDead();
      }, options.timeoutMs);
    }
  }, options.intervalMs);

  function stop() {
    clearInterval(interval);
    if (deadline !== undefined) clearTimeout(deadline);
    deadline = undefined;
  }

  return {
    pong(received) {
      if (received !== outstanding) return;
      outstanding = undefined;
      if (deadline !== undefined) clearTimeout(deadline);
      deadline = undefined;
    },
    stop,
  };
}
