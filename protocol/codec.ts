import { ClientFrame, ServerFrame } from './frame-types.ts';
import { ErrorCode, FrameDecodeError, isErrorCode, type ErrorInfo } from './errors.ts';
import { LANGUAGE_RE, MODEL_NAME_RE, ProtocolLimits, VOICE_RE } from './limits.ts';
import type {
  ChatMessage,
  ClientMessage,
  ContextAttachment,
  ContextReceipt,
  Dialect,
  OkInfo,
  ServerMessage,
  SessionSettings,
  SpeechCut,
} from './messages.ts';

export type DecodeResult<T> = { ok: true; value: T } | { ok: false; error: FrameDecodeError };

const encoder = new TextEncoder();
const strictDecoder = new TextDecoder('utf-8', { fatal: true });

const ok = <T>(value: T): DecodeResult<T> => ({ ok: true, value });
const fail = <T>(code: ErrorInfo['code'], message: string): DecodeResult<T> => ({
  ok: false,
  error: new FrameDecodeError(code, message),
});

function frame(type: number, ...parts: Uint8Array[]): Uint8Array {
  let length = 1;
  for (const part of parts) length += part.byteLength;
  const out = new Uint8Array(length);
  out[0] = type;
  let offset = 1;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.byteLength;
  }
  return out;
}

/**
 * TextChunk frames are carved out of a shared pool, as Node's `Buffer.allocUnsafe` does: a frame is a
 * view of bytes no later frame overwrites (a full pool is replaced, never reused), so it can wait in a
 * send queue. This is every TextChunk, the relay's most frequent frame: a fresh small typed array per
 * frame lived on the V8 heap until `subarray` moved it into an ArrayBuffer of its own, the largest
 * allocation Parley added per delta (docs/reliability.md, allocations per delta).
 */
const TEXT_POOL_BYTES = 16 * 1024;
let textPool = new Uint8Array(TEXT_POOL_BYTES);
let textPoolUsed = 0;

/** Type byte, optional big-endian turn id, UTF-8 text. */
function textFrame(type: number, turnId: number | undefined, text: string): Uint8Array {
  const head = turnId === undefined ? 1 : 5;
  // UTF-8 takes at most 3 bytes per UTF-16 code unit.
  const most = head + text.length * 3;
  if (most > TEXT_POOL_BYTES / 8) {
    // A long text (a coalesced chunk, a long delta) gets its own buffer rather than most of a pool.
    const out = new Uint8Array(most);
    writeHead(out, 0, type, turnId);
    return out.subarray(0, head + encoder.encodeInto(text, out.subarray(head)).written);
  }
  if (textPoolUsed + most > TEXT_POOL_BYTES) {
    textPool = new Uint8Array(TEXT_POOL_BYTES);
    textPoolUsed = 0;
  }
  const pool = textPool;
  const start = textPoolUsed;
  writeHead(pool, start, type, turnId);
  let end = start + head;
  // Deltas are a few characters, mostly ASCII: copying those directly saves encodeInto's target view.
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code >= 0x80) {
      end = start + head + encoder.encodeInto(text, pool.subarray(start + head, start + most)).written;
      break;
    }
    pool[end++] = code;
  }
  // Eight-byte aligned, as Node's pool does.
  textPoolUsed = (end + 7) & ~7;
  return pool.subarray(start, end);
}

function writeHead(out: Uint8Array, at: number, type: number, turnId: number | undefined): void {
  out[at] = type;
  if (turnId === undefined) return;
  out[at + 1] = turnId >>> 24;
  out[at + 2] = (turnId >>> 16) & 0xff;
  out[at + 3] = (turnId >>> 8) & 0xff;
  out[at + 4] = turnId & 0xff;
}

function u32(value: number): Uint8Array {
  const out = new Uint8Array(4);
  new DataView(out.buffer).setUint32(0, value >>> 0);
  return out;
}

function u16(value: number): Uint8Array {
  const out = new Uint8Array(2);
  new DataView(out.buffer).setUint16(0, value);
  return out;
}

const utf8 = (text: string): Uint8Array => encoder.encode(text);
const json = (value: unknown): Uint8Array => encoder.encode(JSON.stringify(value));

function readUtf8(bytes: Uint8Array): string | undefined {
  try {
    return strictDecoder.decode(bytes);
  } catch {
    // Invalid UTF-8 is reported by the caller as BAD_FRAME; the exception carries nothing more.
    return undefined;
  }
}

function readJson(bytes: Uint8Array): unknown {
  const text = readUtf8(bytes);
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    // Malformed JSON is reported by the caller as BAD_FRAME.
    return undefined;
  }
}

const view = (bytes: Uint8Array) => new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
// eslint-disable-next-line no-control-regex -- control characters are exactly what is refused
const CONTROL_RE = /[\u0000-\u001f\u007f]/;

// ---------------------------------------------------------------- client → relay

export function encodeClientMessage(message: ClientMessage, dialect: Dialect = 'v1'): Uint8Array {
  const legacy = dialect === 'legacy';
  switch (message.type) {
    case 'setClientId':
      return frame(ClientFrame.SetClientId, utf8(message.clientId));
    case 'userText':
      return legacy
        ? frame(ClientFrame.UserText, utf8(message.text))
        : frame(ClientFrame.UserText, u32(message.turnId), utf8(message.text));
    case 'audioChunk':
      return legacy
        ? frame(ClientFrame.UserAudioChunk, message.data)
        : frame(ClientFrame.UserAudioChunk, u32(message.turnId), message.data);
    case 'audioEnd':
      if (legacy) return frame(ClientFrame.UserAudioEnd);
      return message.pause === undefined
        ? frame(ClientFrame.UserAudioEnd, u32(message.turnId))
        : frame(ClientFrame.UserAudioEnd, u32(message.turnId), u32(message.pause));
    case 'speechPaused':
      return frame(ClientFrame.SpeechPaused, u32(message.turnId), u32(message.chunks));
    case 'cancel':
      return frame(ClientFrame.Cancel, u32(message.turnId));
    case 'settings':
      return frame(ClientFrame.Settings, json(message.settings));
    case 'resume':
      return frame(ClientFrame.Resume, json({ clientId: message.clientId, messages: message.messages }));
    case 'ping':
      return frame(ClientFrame.Ping, u32(message.nonce));
    case 'interrupt':
      return frame(ClientFrame.Interrupt, u32(message.turnId), u16(message.heard.index), u16(message.heard.permille));
    case 'attachContext':
      return frame(ClientFrame.AttachContext, u32(message.turnId), json(message.attachment));
    case 'speakText':
      return frame(ClientFrame.SpeakText, u32(message.turnId), utf8(message.text));
  }
}

function validateClientId(id: string | undefined): DecodeResult<string> {
  if (id === undefined) return fail(ErrorCode.BadFrame, 'Client id is not valid UTF-8.');
  const bytes = encoder.encode(id).byteLength;
  if (bytes === 0) return fail(ErrorCode.BadFrame, 'Client id is empty.');
  if (bytes > ProtocolLimits.maxClientIdBytes)
    return fail(ErrorCode.BadFrame, `Client id is longer than ${ProtocolLimits.maxClientIdBytes} bytes.`);
  if (CONTROL_RE.test(id)) return fail(ErrorCode.BadFrame, 'Client id contains control characters.');
  return ok(id);
}

/** Checks a settings object from the wire or from storage. Unknown keys are refused, not ignored. */
export function validateSettings(value: unknown): DecodeResult<SessionSettings> {
  if (!isRecord(value)) return fail(ErrorCode.BadSettings, 'Settings must be a JSON object.');
  const settings: SessionSettings = {};
  for (const [key, field] of Object.entries(value)) {
    switch (key) {
      case 'model':
        if (typeof field !== 'string' || field.length > ProtocolLimits.maxModelChars || !MODEL_NAME_RE.test(field))
          return fail(ErrorCode.BadSettings, 'Model must be a model name such as "gpt-4o-mini".');
        settings.model = field;
        break;
      case 'voice':
        if (typeof field !== 'string' || field.length > ProtocolLimits.maxVoiceChars || !VOICE_RE.test(field))
          return fail(ErrorCode.BadSettings, 'Voice must be a voice name such as "alloy".');
        settings.voice = field;
        break;
      case 'language':
        if (typeof field !== 'string' || (field !== '' && (field.length > ProtocolLimits.maxLanguageChars || !LANGUAGE_RE.test(field))))
          return fail(ErrorCode.BadSettings, 'Language must be a code such as "en" or "pt-BR", or empty for auto-detect.');
        settings.language = field;
        break;
      case 'speech':
        if (typeof field !== 'boolean') return fail(ErrorCode.BadSettings, 'Speech must be true or false.');
        settings.speech = field;
        break;
      case 'speed':
        if (typeof field !== 'number' || !(field >= ProtocolLimits.minSpeechSpeed && field <= ProtocolLimits.maxSpeechSpeed))
          return fail(ErrorCode.BadSettings, `Speed must be a number from ${ProtocolLimits.minSpeechSpeed} to ${ProtocolLimits.maxSpeechSpeed}.`);
        settings.speed = field;
        break;
      case 'systemPrompt':
        if (typeof field !== 'string' || field.length > ProtocolLimits.maxSystemPromptChars)
          return fail(ErrorCode.BadSettings, `System prompt must be text of at most ${ProtocolLimits.maxSystemPromptChars} characters.`);
        settings.systemPrompt = field;
        break;
      default:
        return fail(ErrorCode.BadSettings, `Unknown setting "${key.slice(0, 40)}".`);
    }
  }
  return ok(settings);
}

function validateResume(value: unknown): DecodeResult<{ clientId: string; messages: ChatMessage[] }> {
  if (!isRecord(value) || typeof value.clientId !== 'string' || !Array.isArray(value.messages))
    return fail(ErrorCode.BadFrame, 'Resume must be {"clientId": string, "messages": [...]}.');
  const id = validateClientId(value.clientId);
  if (!id.ok) return id;
  if (value.messages.length > ProtocolLimits.maxResumeMessages)
    return fail(ErrorCode.BadFrame, `Resume carries more than ${ProtocolLimits.maxResumeMessages} messages.`);
  const messages: ChatMessage[] = [];
  for (const item of value.messages) {
    if (
      !isRecord(item) ||
      (item.role !== 'user' && item.role !== 'assistant') ||
      typeof item.content !== 'string' ||
      item.content.length > ProtocolLimits.maxResumeMessageChars
    )
      return fail(ErrorCode.BadFrame, 'Resume messages must be {"role": "user"|"assistant", "content": string}.');
    messages.push({ role: item.role, content: item.content });
  }
  return ok({ clientId: id.value, messages });
}

const URL_RE = /^https?:\/\/\S+$/;

/** Checks an attachment's shape. Its size is the relay's business (it truncates and says so). */
export function validateAttachment(value: unknown): DecodeResult<ContextAttachment> {
  const shape = 'Attachment must be {"kind": "page"|"selection", "title": string, "url"?: string, "text": string}.';
  if (!isRecord(value)) return fail(ErrorCode.BadContext, shape);
  const { kind, title, url, text } = value;
  for (const key of Object.keys(value))
    if (key !== 'kind' && key !== 'title' && key !== 'url' && key !== 'text') return fail(ErrorCode.BadContext, `Unknown attachment field "${key.slice(0, 40)}".`);
  if ((kind !== 'page' && kind !== 'selection') || typeof title !== 'string' || typeof text !== 'string')
    return fail(ErrorCode.BadContext, shape);
  if (title.length > ProtocolLimits.maxContextTitleChars || CONTROL_RE.test(title))
    return fail(ErrorCode.BadContext, `Attachment title must be one line of at most ${ProtocolLimits.maxContextTitleChars} characters.`);
  if (url !== undefined && (typeof url !== 'string' || url.length > ProtocolLimits.maxContextUrlChars || !URL_RE.test(url)))
    return fail(ErrorCode.BadContext, `Attachment url must be an http(s) URL of at most ${ProtocolLimits.maxContextUrlChars} characters.`);
  if (text.trim() === '') return fail(ErrorCode.BadContext, 'Attachment text is empty.');
  return ok(url === undefined ? { kind, title, text } : { kind, title, url, text });
}

function readTurnId(payload: Uint8Array, exact: boolean): DecodeResult<number> {
  if (payload.byteLength < 4 || (exact && payload.byteLength !== 4))
    return fail(ErrorCode.BadFrame, exact ? 'Frame must carry exactly a 4-byte turn id.' : 'Frame is too short for a turn id.');
  const turnId = view(payload).getUint32(0);
  if (turnId === 0) return fail(ErrorCode.BadFrame, 'Turn id 0 is reserved.');
  return ok(turnId);
}

/**
 * Decodes one client frame. Never throws: bad bytes give a FrameDecodeError value
 * that the relay turns into an Error frame.
 */
export function decodeClientFrame(bytes: Uint8Array, dialect: Dialect): DecodeResult<ClientMessage> {
  if (bytes.byteLength === 0) return fail(ErrorCode.BadFrame, 'Empty frame.');
  const type = bytes[0] ?? 0;
  const payload = bytes.subarray(1);
  const legacy = dialect === 'legacy';

  switch (type) {
    case ClientFrame.SetClientId: {
      const id = validateClientId(readUtf8(payload));
      return id.ok ? ok({ type: 'setClientId', clientId: id.value }) : id;
    }
    case ClientFrame.UserText: {
      if (legacy) {
        const text = readUtf8(payload);
        return text === undefined ? fail(ErrorCode.BadFrame, 'Message is not valid UTF-8.') : ok({ type: 'userText', turnId: 0, text });
      }
      const turn = readTurnId(payload, false);
      if (!turn.ok) return turn;
      const text = readUtf8(payload.subarray(4));
      return text === undefined
        ? fail(ErrorCode.BadFrame, 'Message is not valid UTF-8.')
        : ok({ type: 'userText', turnId: turn.value, text });
    }
    case ClientFrame.UserAudioChunk: {
      if (legacy) return ok({ type: 'audioChunk', turnId: 0, data: payload });
      const turn = readTurnId(payload, false);
      return turn.ok ? ok({ type: 'audioChunk', turnId: turn.value, data: payload.subarray(4) }) : turn;
    }
    case ClientFrame.UserAudioEnd: {
      if (legacy) {
        return payload.byteLength === 0
          ? ok({ type: 'audioEnd', turnId: 0 })
          : fail(ErrorCode.BadFrame, 'AudioEnd carries no payload.');
      }
      if (payload.byteLength === 8) {
        const turn = readTurnId(payload.subarray(0, 4), true);
        if (!turn.ok) return turn;
        const pause = view(payload).getUint32(4);
        return pause === 0 ? fail(ErrorCode.BadFrame, 'AudioEnd pause must count at least one chunk.') : ok({ type: 'audioEnd', turnId: turn.value, pause });
      }
      if (payload.byteLength !== 4) return fail(ErrorCode.BadFrame, 'AudioEnd carries a 4-byte turn id and optionally a u32 pause chunk count.');
      const turn = readTurnId(payload, true);
      return turn.ok ? ok({ type: 'audioEnd', turnId: turn.value }) : turn;
    }
  }

  if (legacy) return fail(ErrorCode.UnknownFrame, `Unknown frame type 0x${type.toString(16).padStart(2, '0')}.`);

  switch (type) {
    case ClientFrame.Cancel: {
      const turn = readTurnId(payload, true);
      return turn.ok ? ok({ type: 'cancel', turnId: turn.value }) : turn;
    }
    case ClientFrame.Settings: {
      if (payload.byteLength > ProtocolLimits.maxSettingsBytes) return fail(ErrorCode.BadSettings, 'Settings are too large.');
      const value = readJson(payload);
      if (value === undefined) return fail(ErrorCode.BadFrame, 'Settings are not valid JSON.');
      const settings = validateSettings(value);
      return settings.ok ? ok({ type: 'settings', settings: settings.value }) : settings;
    }
    case ClientFrame.Resume: {
      const value = readJson(payload);
      if (value === undefined) return fail(ErrorCode.BadFrame, 'Resume is not valid JSON.');
      const resume = validateResume(value);
      return resume.ok ? ok({ type: 'resume', ...resume.value }) : resume;
    }
    case ClientFrame.Ping: {
      if (payload.byteLength !== 4) return fail(ErrorCode.BadFrame, 'Ping carries a 4-byte nonce.');
      return ok({ type: 'ping', nonce: view(payload).getUint32(0) });
    }
    case ClientFrame.Interrupt: {
      if (payload.byteLength !== 8) return fail(ErrorCode.BadFrame, 'Interrupt carries a turn id, a u16 sentence index and a u16 permille.');
      const turn = readTurnId(payload.subarray(0, 4), true);
      if (!turn.ok) return turn;
      const index = view(payload).getUint16(4);
      const permille = view(payload).getUint16(6);
      if (permille > 1000) return fail(ErrorCode.BadFrame, 'Interrupt permille must be 0-1000.');
      return ok({ type: 'interrupt', turnId: turn.value, heard: { index, permille } });
    }
    case ClientFrame.SpeechPaused: {
      if (payload.byteLength !== 8) return fail(ErrorCode.BadFrame, 'SpeechPaused carries a turn id and a u32 chunk count.');
      const turn = readTurnId(payload.subarray(0, 4), true);
      if (!turn.ok) return turn;
      const chunks = view(payload).getUint32(4);
      if (chunks === 0) return fail(ErrorCode.BadFrame, 'SpeechPaused must count at least one chunk.');
      return ok({ type: 'speechPaused', turnId: turn.value, chunks });
    }
    case ClientFrame.AttachContext: {
      const turn = readTurnId(payload, false);
      if (!turn.ok) return turn;
      const value = readJson(payload.subarray(4));
      if (value === undefined) return fail(ErrorCode.BadFrame, 'Attachment is not valid JSON.');
      const attachment = validateAttachment(value);
      return attachment.ok ? ok({ type: 'attachContext', turnId: turn.value, attachment: attachment.value }) : attachment;
    }
    case ClientFrame.SpeakText: {
      const turn = readTurnId(payload, false);
      if (!turn.ok) return turn;
      const text = readUtf8(payload.subarray(4));
      return text === undefined
        ? fail(ErrorCode.BadFrame, 'Text is not valid UTF-8.')
        : ok({ type: 'speakText', turnId: turn.value, text });
    }
  }
  return fail(ErrorCode.UnknownFrame, `Unknown frame type 0x${type.toString(16).padStart(2, '0')}.`);
}

// ---------------------------------------------------------------- relay → client

export function encodeServerMessage(message: ServerMessage, dialect: Dialect = 'v1'): Uint8Array {
  const legacy = dialect === 'legacy';
  switch (message.type) {
    case 'ok':
      return legacy || !message.info ? frame(ServerFrame.Ok) : frame(ServerFrame.Ok, json(message.info));
    case 'error':
      return legacy
        ? frame(ServerFrame.Error, utf8(message.error.message))
        : frame(ServerFrame.Error, u32(message.turnId), json(message.error));
    case 'textChunk':
      return textFrame(ServerFrame.TextChunk, legacy ? undefined : message.turnId, message.text);
    case 'textEnd':
      if (legacy) return frame(ServerFrame.TextEnd);
      return message.speech ? frame(ServerFrame.TextEnd, u32(message.turnId), json(message.speech)) : frame(ServerFrame.TextEnd, u32(message.turnId));
    case 'transcript':
      return frame(ServerFrame.Transcript, u32(message.turnId), utf8(message.text));
    case 'transcriptPartial':
      return frame(ServerFrame.TranscriptPartial, u32(message.turnId), utf8(message.text));
    case 'speechAudio': {
      const sentence = utf8(message.sentence);
      return frame(ServerFrame.SpeechAudio, u32(message.turnId), u16(message.index), u32(sentence.byteLength), sentence, message.audio);
    }
    case 'pong':
      return frame(ServerFrame.Pong, u32(message.nonce));
    case 'contextInfo':
      return frame(ServerFrame.ContextInfo, u32(message.turnId), json(message.info));
  }
}

/** Server message types a legacy client understands; the relay sends it nothing else. */
export const LEGACY_SERVER_TYPES: ReadonlySet<ServerMessage['type']> = new Set(['ok', 'error', 'textChunk', 'textEnd']);

function readErrorInfo(value: unknown): ErrorInfo | undefined {
  if (!isRecord(value) || !isErrorCode(value.code) || typeof value.message !== 'string' || typeof value.retryable !== 'boolean')
    return undefined;
  const info: ErrorInfo = { code: value.code, message: value.message, retryable: value.retryable };
  if (typeof value.retryAfterMs === 'number' && Number.isFinite(value.retryAfterMs)) info.retryAfterMs = value.retryAfterMs;
  return info;
}

function readSpeechCut(value: unknown): SpeechCut | undefined {
  if (!isRecord(value) || !Number.isInteger(value.spoken) || !Number.isInteger(value.unspoken)) return undefined;
  return { spoken: value.spoken as number, unspoken: value.unspoken as number };
}

const isCount = (value: unknown): value is number => typeof value === 'number' && Number.isInteger(value) && value >= 0;

function readContextReceipt(value: unknown): ContextReceipt | undefined {
  if (!isRecord(value) || (value.kind !== 'page' && value.kind !== 'selection') || typeof value.truncated !== 'boolean') return undefined;
  const { chars, originalChars, tokens, maxChars, maxTokens } = value;
  if (!isCount(chars) || !isCount(originalChars) || !isCount(tokens) || !isCount(maxChars) || !isCount(maxTokens)) return undefined;
  return { kind: value.kind, chars, originalChars, tokens, truncated: value.truncated, maxChars, maxTokens };
}

function readOkInfo(value: unknown): OkInfo | undefined {
  if (!isRecord(value) || typeof value.protocol !== 'number' || typeof value.resumed !== 'boolean' || typeof value.historyLength !== 'number')
    return undefined;
  const limits = value.limits;
  if (!isRecord(limits) || typeof limits.maxTextChars !== 'number' || typeof limits.maxAudioBytes !== 'number' || typeof limits.maxConcurrentTurns !== 'number')
    return undefined;
  const info: OkInfo = {
    protocol: value.protocol,
    resumed: value.resumed,
    historyLength: value.historyLength,
    limits: { maxTextChars: limits.maxTextChars, maxAudioBytes: limits.maxAudioBytes, maxConcurrentTurns: limits.maxConcurrentTurns },
  };
  // Optional: relays older than AttachContext/SpeakText do not send them.
  for (const key of ['maxContextChars', 'maxContextTokens', 'maxReadAloudChars', 'maxSpeculations'] as const) {
    const limit = limits[key];
    if (isCount(limit)) info.limits[key] = limit;
  }
  return info;
}

/** Decodes one relay frame (used by the extension and by tests). Never throws. */
export function decodeServerFrame(bytes: Uint8Array, dialect: Dialect): DecodeResult<ServerMessage> {
  if (bytes.byteLength === 0) return fail(ErrorCode.BadFrame, 'Empty frame.');
  const type = bytes[0] ?? 0;
  const payload = bytes.subarray(1);
  const legacy = dialect === 'legacy';
  const badUtf8 = () => fail<ServerMessage>(ErrorCode.BadFrame, 'Frame text is not valid UTF-8.');

  if (legacy) {
    switch (type) {
      case ServerFrame.Ok:
        return ok({ type: 'ok' });
      case ServerFrame.Error: {
        const message = readUtf8(payload);
        return message === undefined
          ? badUtf8()
          : ok({ type: 'error', turnId: 0, error: { code: ErrorCode.Internal, message, retryable: false } });
      }
      case ServerFrame.TextChunk: {
        const text = readUtf8(payload);
        return text === undefined ? badUtf8() : ok({ type: 'textChunk', turnId: 0, text });
      }
      case ServerFrame.TextEnd:
        return ok({ type: 'textEnd', turnId: 0 });
    }
    return fail(ErrorCode.UnknownFrame, `Unknown frame type 0x${type.toString(16)}.`);
  }

  if (type === ServerFrame.Ok) {
    if (payload.byteLength === 0) return ok({ type: 'ok' });
    const info = readOkInfo(readJson(payload));
    return info ? ok({ type: 'ok', info }) : fail(ErrorCode.BadFrame, 'OK info is malformed.');
  }
  if (payload.byteLength < 4) return fail(ErrorCode.BadFrame, 'Frame is too short.');
  const head = view(payload);
  const id = head.getUint32(0);
  const rest = payload.subarray(4);
  switch (type) {
    case ServerFrame.Error: {
      const error = readErrorInfo(readJson(rest));
      return error ? ok({ type: 'error', turnId: id, error }) : fail(ErrorCode.BadFrame, 'Error info is malformed.');
    }
    case ServerFrame.TextChunk: {
      const text = readUtf8(rest);
      return text === undefined ? badUtf8() : ok({ type: 'textChunk', turnId: id, text });
    }
    case ServerFrame.TextEnd: {
      if (rest.byteLength === 0) return ok({ type: 'textEnd', turnId: id });
      const speech = readSpeechCut(readJson(rest));
      return speech ? ok({ type: 'textEnd', turnId: id, speech }) : fail(ErrorCode.BadFrame, 'TextEnd speech info is malformed.');
    }
    case ServerFrame.Transcript: {
      const text = readUtf8(rest);
      return text === undefined ? badUtf8() : ok({ type: 'transcript', turnId: id, text });
    }
    case ServerFrame.TranscriptPartial: {
      const text = readUtf8(rest);
      return text === undefined ? badUtf8() : ok({ type: 'transcriptPartial', turnId: id, text });
    }
    case ServerFrame.SpeechAudio: {
      if (rest.byteLength < 6) return fail(ErrorCode.BadFrame, 'SpeechAudio is too short.');
      const index = head.getUint16(4);
      const sentenceLength = head.getUint32(6);
      if (rest.byteLength < 6 + sentenceLength) return fail(ErrorCode.BadFrame, 'SpeechAudio sentence is truncated.');
      const sentence = readUtf8(rest.subarray(6, 6 + sentenceLength));
      if (sentence === undefined) return badUtf8();
      return ok({ type: 'speechAudio', turnId: id, index, sentence, audio: rest.subarray(6 + sentenceLength) });
    }
    case ServerFrame.Pong:
      return ok({ type: 'pong', nonce: id });
    case ServerFrame.ContextInfo: {
      const info = readContextReceipt(readJson(rest));
      return info ? ok({ type: 'contextInfo', turnId: id, info }) : fail(ErrorCode.BadFrame, 'Context info is malformed.');
    }
  }
  return fail(ErrorCode.UnknownFrame, `Unknown frame type 0x${type.toString(16)}.`);
}
