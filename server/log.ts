// Structured logging: one JSON object per stdout line, secrets redacted from every line.
export type TurnKind = 'text' | 'voice' | 'speak';
export type TurnOutcome = 'ok' | 'error' | 'cancelled' | 'disconnected' | 'shutdown';
export type ErrorStage = 'stt' | 'chat' | 'tts' | 'relay';

/** The one log line every turn produces. Timings are milliseconds since the turn started. */
export interface TurnLogRecord {
  sessionHash: string;
  /** The token's non-secret id (server/transport/token-id.ts). */
  tokenId: string;
  turnId: number;
  kind: TurnKind;
  transport: 'ws' | 'http';
  outcome: TurnOutcome;
  sttMs?: number;
  /** First streamed piece of the transcript (PARLEY_STT_STREAM); absent when it was not streamed. */
  firstPartialMs?: number;
  firstTokenMs?: number;
  firstAudioMs?: number;
  totalMs: number;
  chunks: number;
  sentences?: number;
  speechErrors?: number;
  /** What the upstream billed, as far as it said (server/usage; docs/team-relay.md). */
  promptTokens?: number;
  completionTokens?: number;
  /** Audio sent for transcription: the upstream's billed duration, else the recording's own length. */
  transcribedMs?: number;
  /** Speculative transcriptions started on SpeechPaused for this voice turn (their audio is in transcribedMs). */
  sttSpeculations?: number;
  /** The turn's transcript is a speculation's: no transcription ran after AudioEnd. */
  sttSpeculationUsed?: boolean;
  /** Characters (code points) sent to text-to-speech. */
  spokenChars?: number;
  /** Estimated tokens of an attachment that came with this turn. */
  contextTokens?: number;
  error?: string;
  /** Where `error` arose: an upstream stage, or admission/validation inside the relay. */
  errorStage?: ErrorStage;
  /** Why, beyond the code: the cause chain's class names and error codes, never messages (see describeCause). */
  errorCause?: string;
  /** Only with PARLEY_LOG_TEXT=1. */
  userText?: string;
  answerText?: string;
}

export interface Logger {
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
  turn(record: TurnLogRecord): void;
  /** Human-readable text for the person at the terminal (stderr); also redacted. */
  hint(text: string): void;
  /** Removes secrets from any string; used for error messages that leave the relay too. */
  redact(text: string): string;
}

export interface LoggerOptions {
  /** Strings that must never be printed anywhere (API keys). Short ones are ignored. */
  secrets: readonly string[];
  /** Kept out of JSON log lines but allowed in hints (the client token, printed once for pairing). */
  logOnlySecrets?: readonly string[];
  logText: boolean;
  /** Added to every JSON line, e.g. the worker number under PARLEY_WORKERS. */
  fields?: Record<string, unknown>;
  write?: (line: string) => void;
  writeHint?: (text: string) => void;
}

const REDACTED = '[redacted]';
const OPENAI_KEY_SHAPE = /\bsk-[A-Za-z0-9_-]{16,}/g;

export function createRedactor(secrets: readonly string[]): (text: string) => string {
  // Longest first so a key that contains another secret is removed whole.
  const list = [...new Set(secrets.filter((s) => s.length >= 8))].sort((a, b) => b.length - a.length);
  // Every log line goes through here (one per turn): a search that finds nothing allocates nothing,
  // where split and join built two arrays and a new string per secret.
  return (text) => {
    let out = text;
    for (const secret of list) if (out.includes(secret)) out = out.replaceAll(secret, REDACTED);
    // Belt and braces: anything shaped like an OpenAI key, even one we were not told about.
    return out.includes('sk-') ? out.replace(OPENAI_KEY_SHAPE, REDACTED) : out;
  };
}

export function createLogger(options: LoggerOptions): Logger {
  const redact = createRedactor(options.secrets);
  const redactLine = createRedactor([...options.secrets, ...(options.logOnlySecrets ?? [])]);
  const write = options.write ?? ((line: string) => process.stdout.write(`${line}\n`));
  const writeHint = options.writeHint ?? ((text: string) => process.stderr.write(`${text}\n`));
  const emit = (level: string, msg: string, fields: Record<string, unknown> = {}) => {
    write(redactLine(JSON.stringify({ time: new Date().toISOString(), level, msg, ...options.fields, ...fields })));
  };
  return {
    info: (msg, fields) => emit('info', msg, fields),
    warn: (msg, fields) => emit('warn', msg, fields),
    error: (msg, fields) => emit('error', msg, fields),
    turn(record) {
      const { userText, answerText, ...rest } = record;
      emit('info', 'turn', options.logText ? { ...rest, userText, answerText } : rest);
    },
    hint: (text) => writeHint(redact(text)),
    redact,
  };
}

/**
 * "APIConnectionError > TypeError > ECONNRESET": class names and `code`s along an error's cause chain.
 * Messages are left out on purpose: upstream messages can quote (part of) a key.
 */
export function describeCause(error: unknown, maxDepth = 6): string | undefined {
  const parts: string[] = [];
  let current: unknown = error;
  for (let depth = 0; depth < maxDepth && current instanceof Error; depth++) {
    const code = (current as { code?: unknown }).code;
    parts.push(typeof code === 'string' && /^[A-Z0-9_]{2,40}$/.test(code) ? `${current.name}(${code})` : current.name);
    current = current.cause;
  }
  return parts.length ? parts.join(' > ') : undefined;
}
