import type { MicErrorCode, RecordingState } from '../messages.ts';
import type { RecorderHost, RecorderSink } from '../recorder/recorder-host.ts';
import type { Attachments } from './attachments.ts';
import { base64ToBytes } from './base64.ts';
import type { ChatPorts } from './chat-ports.ts';
import type { RelayClient } from './relay-client.ts';
import type { Turns } from './turns.ts';

/**
 * Voice turns up to AudioEnd: one recording at a time (there is one microphone).
 * Slices are forwarded as AudioChunk frames as they arrive, in order. The whole
 * recording is kept (bounded) so that, if the socket reconnects while the user
 * speaks, the new connection gets every slice again under the same turn id.
 * After AudioEnd the turn belongs to `turns` (transcript, answer).
 */
export interface VoiceOptions {
  host: RecorderHost;
  relay: Pick<RelayClient, 'send' | 'isReady' | 'ensureConnected' | 'getStatus' | 'okInfo'>;
  turns: Pick<Turns, 'beginVoiceTurn'>;
  /** The tab's page or selection attachment (issue 12) goes with its next voice message too. */
  attachments?: Pick<Attachments, 'get' | 'remove'>;
  ports: Pick<ChatPorts, 'post'>;
  nextTurnId: () => number;
  /** The recorder could not get the mic because nobody granted it yet: show the one-time grant page. */
  requestMicPermission: () => void;
  now?: () => number;
  /** Upper bound on buffered audio when the relay does not say (its OK info does). */
  defaultMaxAudioBytes?: number;
}

interface Recording {
  tabId: number;
  turnId: number;
  /** When the recorder reported that it records; undefined while the microphone is starting. */
  startedAt: number | undefined;
  chunks: (Uint8Array | undefined)[];
  bytes: number;
  /** Index of the next slice to send on the current connection. */
  sent: number;
  /** Slice count announced by the recorder's end, once it stopped. */
  total?: number;
  stopping: boolean;
  /** Conversation mode's latest pause (chunk count), the one sent as SpeechPaused on this connection, and how many were. */
  pause?: number;
  pauseSent?: number;
  pausesSent: number;
  /** The pause the end names (no speech after it). */
  endPause?: number;
}

export interface Voice {
  start(tabId: number): Promise<void>;
  /**
   * Conversation mode: the voice engine already records (speech confirmed); its slices arrive on the
   * same sink under the returned turn id. Undefined when another recording is in progress.
   */
  beginEngineTurn(tabId: number): number | undefined;
  stop(tabId: number): void;
  discard(tabId: number): void;
  /** Recording state for a tab's snapshot. */
  state(tabId: number): RecordingState;
  /** Fed by the recorder host (runtime messages in Chrome). */
  sink: RecorderSink;
  /** A new connection is ready: replay the current recording from its first slice. */
  handleReady(): void;
  handleConnectionLost(): void;
  /** The relay client stopped retrying: a recording could never be sent. */
  handleGaveUp(detail: string): void;
  failFor(tabId: number, error: { code: MicErrorCode; message: string }): void;
  clearError(): void;
}

/** A chunk count from the recorder: 1 to `max` (untrusted like every runtime message's data). */
const isChunkCount = (value: unknown, max: number): value is number => Number.isInteger(value) && (value as number) >= 1 && (value as number) <= max;

/** A new connection knows nothing of this recording: every slice, and the latest pause, go again. */
function restartUpload(rec: Recording): void {
  rec.sent = 0;
  rec.pauseSent = undefined;
  rec.pausesSent = 0;
}

export function createVoice(options: VoiceOptions): Voice {
  const { host, relay, ports } = options;
  const now = options.now ?? Date.now;
  let current: Recording | undefined;
  const errors = new Map<number, { code: MicErrorCode; message: string }>();

  const publish = (tabId: number) => ports.post(tabId, { type: 'recording', recording: state(tabId) });

  function state(tabId: number): RecordingState {
    if (current?.tabId === tabId && !current.stopping) {
      return current.startedAt === undefined ? { recording: true, starting: true } : { recording: true, startedAt: current.startedAt };
    }
    const error = errors.get(tabId);
    return error ? { recording: false, error } : { recording: false };
  }

  function failFor(tabId: number, error: { code: MicErrorCode; message: string }) {
    errors.set(tabId, error);
    publish(tabId);
  }

  /**
   * SpeechPaused once the chunks it counts went out, if the relay speculates (OkInfo.maxSpeculations, 0 or
   * absent for older relays and PARLEY_STT_SPECULATIVE=off) and this recording has not used up its cap.
   */
  function sendPause(rec: Recording): void {
    const { pause } = rec;
    if (pause === undefined || pause === rec.pauseSent || rec.sent < pause) return;
    if (rec.pausesSent >= (relay.okInfo()?.limits.maxSpeculations ?? 0)) return;
    if (!relay.send({ type: 'speechPaused', turnId: rec.turnId, chunks: pause })) return;
    rec.pauseSent = pause;
    rec.pausesSent++;
  }

  /** Sends every contiguous slice not yet sent, then AudioEnd once all arrived. */
  function flush() {
    const rec = current;
    if (!rec || !relay.isReady()) return;
    sendPause(rec);
    while (rec.sent < rec.chunks.length) {
      const data = rec.chunks[rec.sent];
      if (!data) return; // a gap: an earlier slice is still on its way
      if (!relay.send({ type: 'audioChunk', turnId: rec.turnId, data })) return;
      rec.sent++;
      sendPause(rec);
    }
    if (rec.total !== undefined && rec.sent === rec.total) {
      // Before AudioEnd, which starts the turn at the relay (an attachment after that is refused).
      const attached = options.attachments?.get(rec.tabId);
      if (attached && !relay.send({ type: 'attachContext', turnId: rec.turnId, attachment: attached.attachment })) return;
      // Only a pause this connection heard of can be the relay's running speculation.
      const pause = rec.endPause !== undefined && rec.endPause === rec.pauseSent ? rec.endPause : undefined;
      if (!relay.send(pause === undefined ? { type: 'audioEnd', turnId: rec.turnId } : { type: 'audioEnd', turnId: rec.turnId, pause })) return;
      current = undefined;
      options.attachments?.remove(rec.tabId);
      const preview = attached?.preview;
      options.turns.beginVoiceTurn(
        rec.tabId,
        rec.turnId,
        preview ? { kind: preview.kind, title: preview.title, chars: preview.chars, truncated: preview.truncated } : undefined,
      );
    }
  }

  function abandon(rec: Recording, discardRecorder: boolean) {
    if (current !== rec) return;
    current = undefined;
    if (discardRecorder) void host.stop(true);
    // Slices already sent belong to a turn the relay should forget.
    if (rec.sent > 0) relay.send({ type: 'cancel', turnId: rec.turnId });
    publish(rec.tabId);
  }

  const sink: RecorderSink = {
    chunk({ turnId, seq, base64 }) {
      const rec = current;
      if (!rec || rec.turnId !== turnId || seq < 0 || seq > 100_000 || rec.chunks[seq]) return;
      const data = base64ToBytes(base64);
      if (!data) return;
      rec.chunks[seq] = data;
      rec.bytes += data.byteLength;
      const max = relay.okInfo()?.limits.maxAudioBytes ?? options.defaultMaxAudioBytes ?? 20 * 1024 * 1024;
      if (rec.bytes > max && !rec.stopping) {
        // Long enough: stop and send what we have rather than fail at the relay.
        rec.stopping = true;
        void host.stop(false);
        publish(rec.tabId);
      }
      flush();
    },
    end({ turnId, chunks, pause }) {
      const rec = current;
      if (!rec || rec.turnId !== turnId) return;
      rec.total = Math.max(0, Math.min(chunks, 100_000));
      if (isChunkCount(pause, rec.total)) rec.endPause = pause;
      rec.stopping = true;
      if (rec.total === 0) {
        failFor(rec.tabId, { code: 'FAILED', message: 'Nothing was recorded. Hold the mic a little longer.' });
        return abandon(rec, false);
      }
      flush();
    },
    pause({ turnId, chunks }) {
      const rec = current;
      if (!rec || rec.turnId !== turnId || rec.total !== undefined || !isChunkCount(chunks, 100_000)) return;
      rec.pause = chunks;
      flush();
    },
    error({ turnId, code, message }) {
      const rec = current;
      if (!rec || rec.turnId !== turnId) return;
      errors.set(rec.tabId, { code, message });
      abandon(rec, false);
    },
  };

  return {
    async start(tabId) {
      errors.delete(tabId);
      if (current && current.tabId !== tabId && !current.stopping) {
        return failFor(tabId, { code: 'FAILED', message: 'Parley is already recording in another tab. Stop that recording first.' });
      }
      const status = relay.getStatus();
      if (status.state === 'unauthorized' || status.state === 'misconfigured') {
        return failFor(tabId, { code: 'FAILED', message: status.detail ?? 'Parley is not connected to its relay.' });
      }
      relay.ensureConnected();
      // "Starting microphone…" until the recorder says it records (its answer to start): a user who
      // speaks at "Recording" is heard from the first word (issue 11).
      const rec: Recording = { tabId, turnId: options.nextTurnId(), startedAt: undefined, chunks: [], bytes: 0, sent: 0, stopping: false, pausesSent: 0 };
      current = rec;
      publish(tabId);
      const result = await host.start(rec.turnId);
      if (current !== rec || rec.stopping) {
        // Stopped or discarded while the microphone was starting: nothing worth sending was recorded,
        // and a recorder that started after all must not keep the microphone. A newer recording has
        // already replaced it in the recorder, and is not stopped.
        if (result.ok && (current === undefined || current === rec)) void host.stop(true);
        if (current === rec) abandon(rec, false);
        return;
      }
      if (result.ok) {
        rec.startedAt = now();
        publish(tabId);
        return;
      }
      current = undefined;
      if (result.code === 'PERMISSION_DENIED') options.requestMicPermission();
      failFor(tabId, { code: result.code, message: result.message });
    },
    beginEngineTurn(tabId) {
      if (current && !current.stopping) return undefined;
      relay.ensureConnected();
      // The engine stops on its own at the end of the turn: the recording is "stopping" from the start.
      const rec: Recording = { tabId, turnId: options.nextTurnId(), startedAt: now(), chunks: [], bytes: 0, sent: 0, stopping: true, pausesSent: 0 };
      current = rec;
      return rec.turnId;
    },
    stop(tabId) {
      if (current?.tabId !== tabId || current.stopping) return;
      // Stop before the microphone started: nothing was recorded; start() lets it go once it answers.
      if (current.startedAt === undefined) return abandon(current, true);
      current.stopping = true;
      publish(tabId);
      void host.stop(false);
    },
    discard(tabId) {
      if (current?.tabId === tabId) abandon(current, true);
    },
    state,
    sink,
    handleReady() {
      if (current) restartUpload(current);
      flush();
    },
    handleConnectionLost() {
      if (current) restartUpload(current);
    },
    handleGaveUp(detail) {
      const rec = current;
      if (!rec) return;
      errors.set(rec.tabId, { code: 'FAILED', message: detail });
      abandon(rec, true);
    },
    failFor,
    clearError() {
      for (const tabId of [...errors.keys()]) {
        errors.delete(tabId);
        publish(tabId);
      }
    },
  };
}
