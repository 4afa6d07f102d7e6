import type { MicErrorCode } from '../messages.ts';

/**
 * Where the microphone is recorded. Chrome: an offscreen document (the service
 * worker has no DOM). Firefox has no offscreen API (issue 5) and will host the
 * same recorder elsewhere; the background only sees this interface. Chunks,
 * the end and failures come back through a RecorderSink (in Chrome via the
 * recorderChunk / recorderEnd / recorderError runtime messages).
 */
export type RecorderStartResult = { ok: true } | { ok: false; code: MicErrorCode; message: string };

export interface RecorderHost {
  start(turnId: number): Promise<RecorderStartResult>;
  /** Stop the current recording; with `discard` no more chunks and no end are delivered. */
  stop(discard: boolean): Promise<void>;
  /**
   * Conversation mode (issue 11): opens the voice engine's document (Chrome's offscreen document,
   * Firefox's conversation window) and keeps it open until the returned release is called.
   * `onLost` is called if the document goes away without a release (the user closed the window).
   * Absent where the engine cannot run.
   */
  holdEngine?(onLost?: () => void): Promise<() => void>;
  dispose(): void;
}

/** holdEngine could not open the engine's document; `code` says whether a permission page would help. */
export class EngineHostError extends Error {
  override name = 'EngineHostError';
  constructor(
    readonly code: MicErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export interface RecorderSink {
  chunk(data: { turnId: number; seq: number; base64: string }): void | Promise<void>;
  /** `pause`: conversation mode's last SpeechPaused chunk count, still valid at the end (docs/protocol.md). */
  end(data: { turnId: number; chunks: number; pause?: number }): void | Promise<void>;
  /** Conversation mode: the user paused; the first `chunks` chunks hold their speech so far. */
  pause?(data: { turnId: number; chunks: number }): void | Promise<void>;
  error(data: { turnId: number; code: MicErrorCode; message: string }): void | Promise<void>;
}
