// One client connection's protocol logic: a handler per client message type, turn bookkeeping,
// and the rules that differ between the legacy and parley.v1 dialects.
import {
  decodeClientFrame,
  PROTOCOL_VERSION,
  type ClientMessageOf,
  type ClientMessageType,
  type Dialect,
  type ErrorInfo,
  type OkInfo,
  type ServerMessage,
  type SessionSettings,
} from '../../protocol/index.ts';
import { createSpokenTurn, type SpokenTurn } from './heard.ts';
import { prepareContext, type StoredContext } from './context.ts';
import { admitTurn, launchTurn } from './launch-turn.ts';
import type { RelayContext } from './relay-context.ts';
import { createLostTurnCheck } from './lost-turns.ts';
import { changeSettings, openSession, recordHeard, resumeSession, type SessionSummary } from './session-ops.ts';
import { sessionHash } from './session-store.ts';
import { StoreUnavailableError } from './store-error.ts';
import { checkSpeakText, checkText, TurnErrors } from './turn-errors.ts';
import type { SessionRef, TurnAbortReason, TurnInput, TurnSink } from './turn-runner.ts';
import type { InFlightTurn } from './turns-in-flight.ts';
import { createRecordings, VOICE_MIME_TYPE } from './recordings.ts';

export interface ClientConnection {
  handleFrame(data: Uint8Array, isBinary: boolean): void;
  /** Aborts every turn of this connection (the socket closed or is being closed). */
  close(reason: TurnAbortReason): void;
  runningTurns(): number;
}

/**
 * Finished spoken turns remembered for a late Interrupt: answers finish streaming long before the
 * client finishes playing them, so most barge-ins arrive after TextEnd.
 */
const MAX_FINISHED_SPOKEN_TURNS = 4;

interface RunningTurn {
  controller: AbortController;
  done: Promise<unknown>;
  session: SessionRef;
  spoken: SpokenTurn;
}

type Handlers = { [K in ClientMessageType]: (message: ClientMessageOf<K>) => Promise<void> | void };

/**
 * `tokenId` is tokenIdOf(the token this socket authenticated with): the session named by a client
 * id is looked up under it, so another token's client using the same id reaches a different session.
 */
export function createClientConnection(
  ctx: RelayContext,
  dialect: Dialect,
  tokenId: string,
  send: (message: ServerMessage) => void,
): ClientConnection {
  const legacy = dialect === 'legacy';
  // Which session, not its state: every read and change goes through the store.
  let session: SessionRef | undefined;
  // Settings sent before SetClientID/Resume apply to the session once it is known.
  let pendingSettings: SessionSettings = {};
  const running = new Map<number, RunningTurn>();
  const finishedSpoken = new Map<number, { session: SessionRef; spoken: SpokenTurn }>();
  // Attachments waiting for the turn they came with (AttachContext precedes its UserText / AudioEnd).
  const attached = new Map<number, StoredContext>();
  let closed = false;
  // Frames are handled strictly in order even though session lookups are async.
  let queue: Promise<void> = Promise.resolve();

  const maxTurns = legacy ? 1 : ctx.limits.maxConcurrentTurns;
  const sendError = (turnId: number, error: ErrorInfo) => send({ type: 'error', turnId, error });
  // Audio being collected counts as a turn toward the limits below.
  const recordings = createRecordings(ctx, tokenId, sendError);

  const okInfo = (s: SessionSummary, resumed: boolean): OkInfo => ({
    protocol: PROTOCOL_VERSION,
    resumed,
    historyLength: s.historyLength,
    limits: {
      maxTextChars: ctx.limits.maxTextChars,
      maxAudioBytes: ctx.limits.maxAudioBytes,
      maxConcurrentTurns: maxTurns,
      maxContextChars: ctx.limits.maxContextChars,
      maxContextTokens: ctx.limits.maxContextTokens,
      maxReadAloudChars: ctx.limits.maxReadAloudChars,
      maxSpeculations: ctx.limits.maxSpeculations,
    },
  });

  // Set before the store answers: if Redis is away, this frame fails with STORE_UNAVAILABLE but the
  // connection still knows its session, so turns work as soon as Redis is back (legacy clients do
  // not send SetClientID twice). Pending settings are dropped only once they were saved.
  const attach = (clientId: string): SessionRef => {
    const key = { tokenId, clientId };
    session = { key, hash: sessionHash(key) };
    return session;
  };

  /** Why a new turn with this id cannot start, if it cannot. Audio being collected counts as a turn. */
  const refuseNewTurn = (turnId: number): ErrorInfo | undefined => {
    if (legacy && running.size + recordings.size > 0) return TurnErrors.legacyBusy();
    if (running.has(turnId) || recordings.has(turnId)) return TurnErrors.turnInUse(turnId);
    if (running.size + recordings.size >= maxTurns) return TurnErrors.tooManyTurns(maxTurns);
    return undefined;
  };

  const sinkFor = (turnId: number): TurnSink => ({
    transcript: (text) => send({ type: 'transcript', turnId, text }),
    // Legacy clients have no frame for it, and their transcriptions are not streamed at all.
    ...(legacy ? {} : { transcriptPartial: (text: string) => send({ type: 'transcriptPartial', turnId, text }) }),
    textChunk: (text) => send({ type: 'textChunk', turnId, text }),
    textEnd: (cut) => send(cut ? { type: 'textEnd', turnId, speech: cut } : { type: 'textEnd', turnId }),
    speechAudio: (index, sentence, audio) => send({ type: 'speechAudio', turnId, index, sentence, audio }),
    error: (error) => sendError(turnId, error),
  });

  // Awaited by its handler, so the next frame waits for admission (frames stay in order).
  const start = async (s: SessionRef, turnId: number, input: TurnInput) => {
    // Taken whether or not the turn is admitted: a refused turn's attachment is sent again with the retry.
    const context = attached.get(turnId);
    attached.delete(turnId);
    const refusal = await admitTurn(ctx, s.key, input);
    // A refused voice turn never reads its speculation.
    if ((refusal || closed) && input.kind === 'voice') input.speculation?.match?.abort();
    if (refusal) return sendError(turnId, refusal);
    // The socket may have closed while Redis answered.
    if (closed) return;
    const spoken = createSpokenTurn();
    const turn = launchTurn(ctx, 'ws', {
      session: s,
      turnId,
      input,
      // Legacy clients cannot receive audio frames, so they never cost TTS requests. Read-aloud always speaks.
      speech: input.kind === 'speak' ? true : legacy ? false : undefined,
      sink: sinkFor(turnId),
      spoken,
      inFlight: ctx.turnsInFlight,
      ...(context && input.kind !== 'speak' ? { context: { context, maxTokens: ctx.limits.maxContextTokens } } : {}),
    });
    const entry: RunningTurn = { controller: turn.controller, done: turn.done, session: s, spoken };
    running.set(turnId, entry);
    void turn.done.finally(() => {
      if (running.get(turnId) !== entry) return;
      running.delete(turnId);
      if (!spoken.speaking || spoken.answer === undefined || closed) return;
      finishedSpoken.delete(turnId);
      finishedSpoken.set(turnId, { session: s, spoken });
      // Oldest first (Map insertion order).
      for (const id of finishedSpoken.keys()) if (finishedSpoken.size > MAX_FINISHED_SPOKEN_TURNS) finishedSpoken.delete(id);
    });
  };

  /** TURN_LOST for a turn that ran on an instance that died. Legacy frames carry no turn id: sent only between turns. */
  const reportLost = (marker: InFlightTurn) => {
    if (legacy && running.size + recordings.size > 0) return;
    sendError(legacy ? 0 : marker.turnId, TurnErrors.turnLost());
  };
  const lostTurns = createLostTurnCheck(ctx, {
    current: () => (closed ? undefined : session),
    report: reportLost,
    enqueue: (task) => {
      queue = queue.then(task);
    },
  });

  const handlers: Handlers = {
    async setClientId({ clientId }) {
      const s = attach(clientId);
      const found = await openSession(ctx.store, s.key, pendingSettings);
      pendingSettings = {};
      send(legacy ? { type: 'ok' } : { type: 'ok', info: okInfo(found, found.existed) });
      await lostTurns.check(s, found.inFlight);
    },
    async resume({ clientId, messages }) {
      const s = attach(clientId);
      const found = await resumeSession(ctx.store, s.key, messages, pendingSettings, ctx.defaults.historyMaxTurns);
      pendingSettings = {};
      send({ type: 'ok', info: okInfo(found, found.existed || messages.length > 0) });
      await lostTurns.check(s, found.inFlight);
    },
    async settings({ settings }) {
      const allowed = ctx.limits.allowedModels;
      if (settings.model !== undefined && allowed.length > 0 && !allowed.includes(settings.model))
        return sendError(0, TurnErrors.modelNotAllowed(settings.model, allowed));
      if (session) {
        await changeSettings(ctx.store, session.key, settings);
      } else {
        pendingSettings = { ...pendingSettings, ...settings };
      }
      send({ type: 'ok' });
    },
    ping({ nonce }) {
      send({ type: 'pong', nonce });
    },
    async userText({ turnId, text }) {
      if (!session) return sendError(turnId, TurnErrors.noClientId());
      const refusal = refuseNewTurn(turnId) ?? checkText(text, ctx.limits.maxTextChars);
      if (refusal) return sendError(turnId, refusal);
      await start(session, turnId, { kind: 'text', text });
    },
    async audioChunk({ turnId, data }) {
      if (!session) return sendError(turnId, TurnErrors.noClientId());
      const refusal = await recordings.chunk(turnId, data, () => refuseNewTurn(turnId));
      if (refusal) sendError(turnId, refusal);
    },
    speechPaused({ turnId, chunks }) {
      if (!session) return sendError(turnId, TurnErrors.noClientId());
      const refusal = recordings.pause(turnId, chunks, session.key);
      if (refusal) sendError(0, refusal);
    },
    async audioEnd({ turnId, pause }) {
      if (!session) return sendError(turnId, TurnErrors.noClientId());
      const recording = recordings.end(turnId, pause);
      if (recording === 'refused') return;
      if (!recording) {
        const refusal = running.has(turnId) || legacy ? refuseNewTurn(turnId) : undefined;
        return sendError(turnId, refusal ?? TurnErrors.emptyAudio());
      }
      if (recording.audio.byteLength === 0) return sendError(turnId, TurnErrors.emptyAudio());
      await start(session, turnId, { kind: 'voice', audio: recording.audio, mimeType: VOICE_MIME_TYPE, ...(recording.speculation ? { speculation: recording.speculation } : {}) });
    },
    attachContext({ turnId, attachment }) {
      if (!session) return sendError(turnId, TurnErrors.noClientId());
      // A recording may still be collecting: its turn starts at AudioEnd.
      if (running.has(turnId)) return sendError(turnId, TurnErrors.attachTooLate(turnId));
      // Bounded like turns: a client cannot park attachments for turns it never starts.
      if (!attached.has(turnId) && attached.size >= maxTurns) return sendError(turnId, TurnErrors.tooManyAttachments(maxTurns));
      const prepared = prepareContext(attachment, { maxChars: ctx.limits.maxContextChars, maxTokens: ctx.limits.maxContextTokens });
      // A second attachment for the same turn replaces the first.
      attached.set(turnId, prepared.context);
      send({ type: 'contextInfo', turnId, info: prepared.receipt });
    },
    async speakText({ turnId, text }) {
      if (!session) return sendError(turnId, TurnErrors.noClientId());
      const refusal = refuseNewTurn(turnId) ?? checkSpeakText(text, ctx.limits.maxReadAloudChars);
      if (refusal) return sendError(turnId, refusal);
      await start(session, turnId, { kind: 'speak', text });
    },
    cancel({ turnId }) {
      if (!session) return sendError(turnId, TurnErrors.noClientId());
      if (attached.delete(turnId) && !running.has(turnId) && !recordings.has(turnId)) return sendError(turnId, TurnErrors.cancelled());
      const turn = running.get(turnId);
      if (turn) {
        const reason: TurnAbortReason = 'cancel';
        // The turn answers with exactly one Error CANCELLED and nothing after it.
        turn.controller.abort(reason);
        return;
      }
      if (recordings.cancel(turnId)) return sendError(turnId, TurnErrors.cancelled());
      sendError(turnId, TurnErrors.unknownTurn(turnId));
    },
    /** Barge-in: cancel like Cancel if the turn runs, then keep in history only what was heard. */
    async interrupt({ turnId, heard }) {
      if (!session) return sendError(turnId, TurnErrors.noClientId());
      const maxHistory = ctx.defaults.historyMaxTurns;
      const turn = running.get(turnId);
      if (turn) {
        const reason: TurnAbortReason = 'cancel';
        turn.controller.abort(reason);
        // Frames are handled in order: waiting here means the next turn already sees the trimmed history.
        await turn.done;
        return recordHeard(ctx.store, turn.session.key, turn.spoken, heard, maxHistory);
      }
      const finished = finishedSpoken.get(turnId);
      if (finished) {
        finishedSpoken.delete(turnId);
        // No frame answers this: the turn already ended with TextEnd (docs/protocol.md, Interrupt).
        return recordHeard(ctx.store, finished.session.key, finished.spoken, heard, maxHistory);
      }
      if (recordings.cancel(turnId)) return sendError(turnId, TurnErrors.cancelled());
      sendError(turnId, TurnErrors.unknownTurn(turnId));
    },
  };

  const dispatch = async (data: Uint8Array) => {
    const decoded = decodeClientFrame(data, dialect);
    if (!decoded.ok) return sendError(0, { code: decoded.error.code, message: decoded.error.message, retryable: false });
    const message = decoded.value;
    // The handler map is keyed by type, so this lookup is exhaustive; the cast only joins the union back.
    const handler = handlers[message.type] as (m: typeof message) => Promise<void> | void;
    await handler(message);
  };

  return {
    handleFrame(data, isBinary) {
      if (closed) return;
      if (!isBinary) return sendError(0, TurnErrors.notBinary());
      queue = queue
        .then(() => (closed ? undefined : dispatch(data)))
        .catch((error: unknown) => {
          // A store outage or relay bug affects this frame only; the connection stays usable.
          if (error instanceof StoreUnavailableError) return sendError(0, TurnErrors.storeUnavailable());
          ctx.logger.error('frame handling failed', { error: error instanceof Error ? error.stack : String(error) });
          sendError(0, TurnErrors.internal());
        });
    },
    close(reason) {
      if (closed) return;
      closed = true;
      lostTurns.dispose();
      for (const turn of running.values()) turn.controller.abort(reason);
      finishedSpoken.clear();
      recordings.dispose();
      attached.clear();
    },
    runningTurns: () => running.size,
  };
}
