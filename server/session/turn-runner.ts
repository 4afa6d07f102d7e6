// One turn, text or voice: transcribe, stream the answer, speak it sentence by sentence.
// Transport-agnostic: the WebSocket connection and the HTTP API give it a sink.
import type { ErrorInfo, SessionSettings, SpeechCut } from '../../protocol/index.ts';
import { describeCause, type TurnKind, type TurnLogRecord } from '../log.ts';
import { createSentenceSplitter } from '../speech/sentence-splitter.ts';
import { createSpeechPipeline, type SpeechPipeline } from '../speech/speech-pipeline.ts';
import { createSpeechTextCleaner } from '../speech/speech-text.ts';
import type { SpokenTurn } from './heard.ts';
import { clearInFlight, recordAnswer, recordQuestion } from './session-ops.ts';
import type { SessionKey, SessionStore } from './session-store.ts';
import { toTurnErrorInfo, TurnErrors } from './turn-errors.ts';
import type { TurnDefaults, TurnUpstream, UpstreamStage } from './turn-services.ts';
import type { StoredContext } from './context.ts';
import { runReadAloud } from './read-aloud.ts';
import { settleAbort } from './turn-abort.ts';
import { newMarker, type TurnsInFlight } from './turns-in-flight.ts';
import { transcribeClip } from './transcribe-clip.ts';
import { useSpeculation, type SpeculationOutcome } from './speculations.ts';

export { isTurnAbortReason, type TurnAbortReason } from './turn-abort.ts';

/** Where a turn's output goes. Nothing is called after the turn is aborted, except the final error. */
export interface TurnSink {
  transcript(text: string): void;
  /** The transcript so far while it streams (parley.v1 only; absent = do not stream the transcription). */
  transcriptPartial?(text: string): void;
  textChunk(text: string): void;
  /** `cut` when PARLEY_MAX_SPOKEN_SENTENCES left sentences unspoken. */
  textEnd(cut?: SpeechCut): void;
  speechAudio(index: number, sentence: string, audio: Uint8Array): void;
  error(info: ErrorInfo): void;
}

export type TurnInput =
  | { kind: 'text'; text: string }
  /** `speculation`: what SpeechPaused started for this turn (parley.v1; speculations.ts). */
  | { kind: 'voice'; audio: Uint8Array; mimeType: string; speculation?: SpeculationOutcome }
  /** Read-aloud: speak the text sentence by sentence; no chat request, no history. */
  | { kind: 'speak'; text: string };

/** What a turn works with: the upstream seam, the session store, the relay's defaults. */
export interface TurnDeps {
  upstream: TurnUpstream;
  store: SessionStore;
  defaults: TurnDefaults;
}

/** Which session a turn belongs to; the state itself is loaded from the store, never held. */
export interface SessionRef {
  key: SessionKey;
  /** Logged instead of the key (sessionHash). */
  hash: string;
}

export interface TurnRequest {
  session: SessionRef;
  turnId: number;
  input: TurnInput;
  /** Synthesise speech: false for legacy clients, true for the HTTP API, undefined = the session's setting. */
  speech: boolean | undefined;
  signal: AbortSignal;
  sink: TurnSink;
  /** Filled with what the turn spoke, so a barge-in can keep only what was heard (heard.ts). */
  spoken?: SpokenTurn;
  /** An attachment for this question (parley.v1 AttachContext), and the session's budget for all of them. */
  context?: { context: StoredContext; maxTokens: number };
  /**
   * Records the turn in the session while it runs, so a client reconnecting after this process died
   * learns that the turn was lost (TURN_LOST). WebSocket turns only: an HTTP caller sees its request fail.
   */
  inFlight?: TurnsInFlight;
}

export type TurnResult = Omit<TurnLogRecord, 'transport' | 'tokenId'> & { answer?: string };

/** Thrown inside the runner to end a turn with a relay-made error (no speech, empty audio). */
class TurnFailure extends Error {
  constructor(readonly info: ErrorInfo) {
    super(info.message);
  }
}

export async function runTurn(deps: TurnDeps, request: TurnRequest): Promise<TurnResult> {
  if (request.input.kind === 'speak') return runReadAloud(deps, { ...request, input: request.input });
  return runAnswer(deps, request, request.input);
}

async function runAnswer(deps: TurnDeps, request: TurnRequest, input: Exclude<TurnInput, { kind: 'speak' }>): Promise<TurnResult> {
  const { upstream, store, defaults } = deps;
  const { session, signal, sink, turnId } = request;
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  const kind: TurnKind = input.kind;
  const record: TurnResult = { sessionHash: session.hash, turnId, kind, outcome: 'ok', totalMs: 0, chunks: 0 };
  // After an abort the connection gets exactly one closing frame (or none if it is gone).
  const live = <A extends unknown[]>(fn: (...args: A) => void) => (...args: A) => {
    if (!signal.aborted) fn(...args);
  };
  let stage: UpstreamStage = input.kind === 'voice' ? 'stt' : 'chat';
  let speech: SpeechPipeline | undefined;
  // Lets a failed answer stop its own speech requests without touching the caller's controller. Made
  // only for a spoken answer: AbortSignal.any costs about 20 µs on Node 20.20, and a text turn needs none.
  let failure: AbortController | undefined;
  const { inFlight } = request;
  const marker = inFlight ? newMarker(inFlight, turnId) : undefined;
  if (marker) inFlight?.start(marker.id);
  // True from the question's write (which holds the marker) until a write removed it.
  let markerSaved = false;

  try {
    // A voice turn needs the settings (language) before transcribing; a text turn takes them from
    // the write that records its question, one read of the whole session fewer per turn.
    let settings: SessionSettings | undefined;
    let text: string;
    if (input.kind === 'voice') {
      if (input.audio.byteLength === 0) throw new TurnFailure(TurnErrors.emptyAudio());
      settings = (await store.load(session.key))?.settings ?? {};
      const language = settings.language ?? defaults.language;
      const partial = defaults.sttStream ? sink.transcriptPartial : undefined;
      const onPartial = partial
        ? live((soFar: string) => {
            record.firstPartialMs ??= elapsed();
            partial(soFar);
          })
        : undefined;
      const speculation = input.speculation;
      let transcript = speculation ? await useSpeculation(speculation, signal, record) : undefined;
      transcript ??= await transcribeClip(deps, { audio: input.audio, mimeType: input.mimeType, language, signal, ...(onPartial ? { onPartial } : {}) });
      text = transcript.text;
      record.sttMs = elapsed();
      record.transcribedMs = addMs(record.transcribedMs, transcript.transcribedMs);
      signal.throwIfAborted();
      live(sink.transcript)(text);
      if (text === '') throw new TurnFailure(TurnErrors.noSpeech());
    } else {
      text = input.text;
    }
    record.userText = text;

    const recorded = await recordQuestion(
      store,
      session.key,
      text,
      { maxTurns: defaults.historyMaxTurns, systemPrompt: defaults.systemPrompt },
      request.context,
      marker,
    );
    markerSaved = marker !== undefined;
    // Voice: the snapshot taken before transcribing, as the transcription used it.
    settings ??= recorded.settings;
    const { messages } = recorded;
    const speak = request.speech ?? settings.speech ?? defaults.speech;
    if (request.spoken) {
      request.spoken.question = text;
      request.spoken.speaking = speak;
    }
    signal.throwIfAborted();
    if (request.context) record.contextTokens = request.context.context.tokens;
    stage = 'chat';
    const splitter = speak ? createSentenceSplitter(settings.language || defaults.language || undefined) : undefined;
    let sentences = 0;
    let pastCap = 0;
    let speechErrors = 0;
    // Sentences as written (the panel types them in step with their audio); TTS gets the cleaned text.
    const written: string[] = [];
    const cleaner = speak ? createSpeechTextCleaner() : undefined;
    // Written text with nothing to say (a rule, the inside of a code block) counts as heard with the next spoken sentence.
    let unspoken = '';
    if (speak) {
      failure = new AbortController();
      const speechSignal = AbortSignal.any([signal, failure.signal]);
      const voice = settings.voice ?? defaults.voice;
      const speed = settings.speed;
      speech = createSpeechPipeline({
        speak: (sentence, speakSignal) => {
          record.spokenChars = (record.spokenChars ?? 0) + [...sentence].length;
          return upstream.speak({ text: sentence, model: defaults.ttsModel, voice, ...(speed === undefined ? {} : { speed }), format: 'mp3', signal: speakSignal });
        },
        concurrency: defaults.ttsConcurrency,
        signal: speechSignal,
        onAudio: live((index: number, _said: string, audio: Uint8Array) => {
          record.firstAudioMs ??= elapsed();
          sink.speechAudio(index, written[index] ?? '', audio);
        }),
        // A sentence that cannot be spoken is skipped: the text answer stands, the log says why.
        onError: (_index, _sentence, error) => {
          if (speechSignal.aborted) return;
          speechErrors++;
          if (record.error !== undefined) return;
          record.error = toTurnErrorInfo(error, 'tts').code;
          record.errorStage = 'tts';
        },
      });
    }
    const pushSentences = (list: string[]) => {
      for (const sentence of list) {
        // Past the cap the answer goes on as text only: speech is the costly, slow part of a long answer.
        if (defaults.maxSpokenSentences && sentences >= defaults.maxSpokenSentences) {
          pastCap++;
          continue;
        }
        const said = cleaner?.clean(sentence) ?? '';
        if (said === '') {
          unspoken += `${sentence}\n`;
          continue;
        }
        sentences++;
        written.push(sentence);
        request.spoken?.sentences.push(unspoken + sentence);
        unspoken = '';
        speech?.push(said);
      }
    };

    // Parts joined once at the end: the answer is built per delta on the hot path.
    const parts: string[] = [];
    const stream = upstream.streamChat({
      messages,
      model: settings.model ?? defaults.chatModel,
      signal,
      onUsage: (usage) => {
        record.promptTokens = (record.promptTokens ?? 0) + usage.promptTokens;
        record.completionTokens = (record.completionTokens ?? 0) + usage.completionTokens;
      },
    });
    for await (const delta of stream) {
      signal.throwIfAborted();
      if (delta === '') continue;
      record.firstTokenMs ??= elapsed();
      record.chunks++;
      parts.push(delta);
      // Not live(): two closures and an arguments array per delta; the abort was checked just above.
      sink.textChunk(delta);
      if (splitter) pushSentences(splitter.push(delta));
    }
    signal.throwIfAborted();
    const answer = parts.join('');
    if (splitter) pushSentences(splitter.flush());
    // History first, so a client that sends its next message on TextEnd already has this answer in
    // context; and TextEnd is only sent once the answer is saved (a store outage fails the turn).
    await recordAnswer(store, session.key, text, answer, defaults.historyMaxTurns, marker?.id);
    markerSaved = false;
    if (request.spoken) request.spoken.answer = answer;
    record.answerText = answer;
    record.answer = answer;
    stage = 'tts';
    await speech?.finish();
    signal.throwIfAborted();
    // TextEnd is the turn's last frame (docs/protocol.md): clients may forget the turn when they see it,
    // so it waits for the last SpeechAudio.
    live(sink.textEnd)(pastCap > 0 ? { spoken: sentences, unspoken: pastCap } : undefined);
    if (speak) {
      record.sentences = sentences;
      record.speechErrors = speechErrors;
    }
  } catch (error) {
    if (!settleAbort(signal, record, sink)) {
      const info = error instanceof TurnFailure ? error.info : toTurnErrorInfo(error, stage);
      record.outcome = 'error';
      record.error = info.code;
      record.errorStage = error instanceof TurnFailure ? 'relay' : stage;
      record.errorCause = describeCause(error);
      live(sink.error)(info);
      // Speech requests still in flight are useless once the answer failed.
      failure?.abort('failed');
      // Settles quickly now that its requests are aborted; their errors are expected and dropped.
      await speech?.finish().catch(() => undefined);
    }
  }
  // An answer's own write removed its marker; a turn that ended any other way has it removed now.
  if (marker) inFlight?.finish(marker.id, markerSaved ? () => clearInFlight(store, session.key, marker.id) : undefined);
  record.totalMs = elapsed();
  return record;
}

/** Sums transcribed times; undefined only when no request could say how long its audio was. */
const addMs = (a: number | undefined, b: number | undefined): number | undefined => (a === undefined && b === undefined ? undefined : (a ?? 0) + (b ?? 0));
