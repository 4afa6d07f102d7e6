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
   * Conversation mode (issue 11): opens the voice engine's document and keeps it open until the
   * returned release is called. Absent where the engine cannot run yet (Firefox's recorder window
   * closes after each recording).
   */
  holdEngine?(): Promise<() => void>;
  dispose(): void;
}

export interface RecorderSink {
  chunk(data: { turnId: number; seq: number; base64: string }): void | Promise<void>;
  end(data: { turnId: number; chunks: number }): void | Promise<void>;
  error(data: { turnId: number; code: MicErrorCode; message: string }): void | Promise<void>;
}
