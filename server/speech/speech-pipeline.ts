import { toUpstreamError, type UpstreamError } from '../openai/upstream-error.ts';

export interface SpeechPipelineOptions {
  speak: (text: string, signal: AbortSignal) => Promise<Uint8Array>;
  /** TTS requests in flight at once, e.g. 2. */
  concurrency: number;
  /** Turn lifetime: abort cancels every in-flight TTS request at once. */
  signal: AbortSignal;
  onAudio: (index: number, sentence: string, audio: Uint8Array) => void;
  /** A failed sentence is reported; later ones still play. */
  onError: (index: number, sentence: string, error: UpstreamError) => void;
}

export interface SpeechPipeline {
  push(sentence: string): void;
  /** Resolves when every pushed sentence was delivered or failed (at once after an abort). Rejects if a callback threw. */
  finish(): Promise<void>;
}

type Outcome = { ok: true; audio: Uint8Array } | { ok: false; error: UpstreamError };

/**
 * Synthesises sentences with bounded concurrency and delivers audio strictly in sentence order,
 * so the first sentence plays as soon as it is ready while later ones are prepared behind it.
 */
export function createSpeechPipeline(options: SpeechPipelineOptions): SpeechPipeline {
  const concurrency = Math.max(1, Math.floor(options.concurrency));
  // Finished-but-undeliverable audio waits for a slow earlier sentence; this bounds that buffer.
  const maxAhead = concurrency * 2;
  const sentences: string[] = [];
  const outcomes = new Map<number, Outcome>();
  let started = 0;
  let delivered = 0;
  let inFlight = 0;
  let finishing = false;
  let stopped = false;
  let settle: { resolve: () => void; reject: (error: unknown) => void } | undefined;
  let failure: { error: unknown } | undefined;
  let finished: Promise<void> | undefined;

  const done = () => stopped || (finishing && delivered === sentences.length);

  function settleIfDone(): void {
    if (!settle || !done()) return;
    if (failure) settle.reject(failure.error);
    else settle.resolve();
    settle = undefined;
  }

  function deliver(): void {
    for (let outcome = outcomes.get(delivered); outcome && !stopped; outcome = outcomes.get(delivered)) {
      const index = delivered;
      outcomes.delete(index);
      delivered++;
      const sentence = sentences[index] ?? '';
      try {
        if (outcome.ok) options.onAudio(index, sentence, outcome.audio);
        else options.onError(index, sentence, outcome.error);
      } catch (error) {
        // The consumer failed (e.g. its socket is gone): stop here and let finish() report it.
        failure = { error };
        stopped = true;
      }
    }
  }

  function pump(): void {
    while (!stopped && inFlight < concurrency && started < sentences.length && started < delivered + maxAhead) {
      const index = started++;
      inFlight++;
      options.speak(sentences[index] ?? '', options.signal).then(
        (audio) => complete(index, { ok: true, audio }),
        (error: unknown) => complete(index, { ok: false, error: toUpstreamError(error, 'tts') }),
      );
    }
  }

  function complete(index: number, outcome: Outcome): void {
    inFlight--;
    if (stopped) return;
    outcomes.set(index, outcome);
    deliver();
    pump();
    settleIfDone();
  }

  const onAbort = () => {
    stopped = true;
    outcomes.clear();
    settleIfDone();
  };
  if (options.signal.aborted) stopped = true;
  else options.signal.addEventListener('abort', onAbort, { once: true });

  return {
    push(sentence) {
      // After an abort, late sentences from a stream that is still winding down are simply dropped.
      if (stopped) return;
      if (finishing) throw new Error('SpeechPipeline.push() after finish()');
      sentences.push(sentence);
      pump();
    },
    finish() {
      if (finished) return finished;
      finishing = true;
      finished = new Promise<void>((resolve, reject) => {
        settle = {
          resolve: () => {
            options.signal.removeEventListener('abort', onAbort);
            resolve();
          },
          reject: (error) => {
            options.signal.removeEventListener('abort', onAbort);
            reject(error);
          },
        };
      });
      settleIfDone();
      return finished;
    },
  };
}
