// Read-aloud (parley.v1 SpeakText): the user's selection or article, spoken through the same
// sentence splitter and speech pipeline as answers. The pipeline keeps at most `ttsConcurrency`
// requests in flight, so a long article starts speaking after one sentence's synthesis; and
// sentences are fed to it paced to the listener (about PARLEY_READ_ALOUD_LEAD_MS of estimated
// speech ahead), so an article stopped after a minute has not been synthesised to its end.
// Cancel aborts whatever is in flight. No chat request, nothing added to history. Like an answer's,
// each sentence is synthesised as speech text (server/speech/speech-text.ts: no markdown symbols, a
// code block said as one phrase, a URL as its host), while the panel highlights the sentence as written.
import { setTimeout as sleep } from 'node:timers/promises';
import type { ErrorInfo } from '../../protocol/index.ts';
import { describeCause } from '../log.ts';
import { settleAbort } from './turn-abort.ts';
import { createSentenceSplitter } from '../speech/sentence-splitter.ts';
import { createSpeechPipeline } from '../speech/speech-pipeline.ts';
import { createSpeechTextCleaner } from '../speech/speech-text.ts';
import { toTurnErrorInfo } from './turn-errors.ts';
import type { TurnDeps, TurnRequest, TurnResult } from './turn-runner.ts';

/**
 * Estimated speaking time per character at speed 1: about 165 words a minute, a little faster than
 * OpenAI's voices, so the estimate errs towards synthesising early rather than late.
 */
export const SPEECH_MS_PER_CHAR = 60;
/** Longest single wait between pacing checks, so the first audio's arrival is noticed soon. */
const PACING_STEP_MS = 500;

export async function runReadAloud(deps: TurnDeps, request: TurnRequest & { input: { kind: 'speak'; text: string } }): Promise<TurnResult> {
  const { upstream, store, defaults } = deps;
  const { session, signal, sink, turnId } = request;
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  const record: TurnResult = { sessionHash: session.hash, turnId, kind: 'speak', outcome: 'ok', totalMs: 0, chunks: 0 };
  let spoken = 0;
  let speechErrors = 0;
  let firstError: ErrorInfo | undefined;

  try {
    const settings = (await store.load(session.key))?.settings ?? {};
    const voice = settings.voice ?? defaults.voice;
    const speed = settings.speed;
    // The sentences as written, by pipeline index: what the panel highlights while their speech plays.
    const written: string[] = [];
    const speech = createSpeechPipeline({
      speak: (sentence, speakSignal) => {
        // Read-aloud can be a whole article: usage counts every character sent to TTS.
        record.spokenChars = (record.spokenChars ?? 0) + [...sentence].length;
        return upstream.speak({ text: sentence, model: defaults.ttsModel, voice, ...(speed === undefined ? {} : { speed }), format: 'mp3', signal: speakSignal });
      },
      concurrency: defaults.ttsConcurrency,
      signal,
      onAudio: (index, _said, audio) => {
        if (signal.aborted) return;
        record.firstAudioMs ??= elapsed();
        spoken++;
        sink.speechAudio(index, written[index] ?? '', audio);
      },
      // Like an answer, a sentence that cannot be spoken is skipped and the rest still play.
      onError: (_index, _sentence, error) => {
        if (signal.aborted) return;
        speechErrors++;
        firstError ??= toTurnErrorInfo(error, 'tts');
      },
    });
    const splitter = createSentenceSplitter(settings.language || defaults.language || undefined);
    const sentences = [...splitter.push(request.input.text), ...splitter.flush()];
    const cleaner = createSpeechTextCleaner();
    const msPerChar = SPEECH_MS_PER_CHAR / (speed ?? 1);
    let queuedMs = 0;
    for (const sentence of sentences) {
      const said = cleaner.clean(sentence);
      // Nothing to say (a rule, the inside of a code block): not synthesised, not highlighted.
      if (said === '') continue;
      // Where the listener is, estimated from the clock since the first sentence went out.
      for (;;) {
        const listenedMs = record.firstAudioMs === undefined ? 0 : elapsed() - record.firstAudioMs;
        const waitMs = queuedMs - listenedMs - defaults.readAloudLeadMs;
        if (waitMs <= 0) break;
        await sleep(Math.min(waitMs, PACING_STEP_MS), undefined, { signal });
      }
      written.push(sentence);
      speech.push(said);
      queuedMs += said.length * msPerChar;
    }
    record.sentences = written.length;
    await speech.finish();
    signal.throwIfAborted();
    record.speechErrors = speechErrors;
    if (spoken === 0 && firstError) {
      // Nothing could be spoken: say why instead of ending silently.
      record.outcome = 'error';
      record.error = firstError.code;
      record.errorStage = 'tts';
      sink.error(firstError);
    } else {
      sink.textEnd();
    }
  } catch (error) {
    if (!settleAbort(signal, record, sink)) {
      const info = toTurnErrorInfo(error, 'tts');
      record.outcome = 'error';
      record.error = info.code;
      record.errorStage = 'tts';
      record.errorCause = describeCause(error);
      if (!signal.aborted) sink.error(info);
    }
  }
  record.totalMs = elapsed();
  return record;
}
