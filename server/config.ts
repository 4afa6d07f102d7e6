// Relay configuration: read from the environment once, validated, typed.
// Every variable is documented with its default in docs/configuration.md.
import { homedir } from 'node:os';
import { join } from 'node:path';
import { readAdminConfig, type AdminConfig } from './admin-config.ts';
import { defaultAllowedHosts } from './http/host-check.ts';
import { STRONG_TOKEN_HINT, weakTokenReason } from './tokens/token-strength.ts';

export const DEFAULT_SYSTEM_PROMPT =
  'You are Parley, a helpful voice assistant in a small browser popup. ' +
  'Answer briefly and clearly in plain sentences that read well aloud; avoid long lists and tables unless asked. ' +
  'Reply in the language the user writes or speaks.';

export interface Endpoint {
  baseURL: string;
  apiKey: string;
}

export interface RelayConfig {
  chat: Endpoint;
  stt: Endpoint;
  tts: Endpoint;
  models: { chat: string; stt: string; tts: string };
  /** Ask for streamed transcripts (PARLEY_STT_STREAM, resolved against the STT model): parley.v1 clients see the text grow. */
  sttStream: boolean;
  /**
   * Transcriptions a parley.v1 voice turn may start on SpeechPaused before its AudioEnd
   * (PARLEY_STT_SPECULATIVE: on = MAX_STT_SPECULATIONS, off = 0).
   */
  sttSpeculations: number;
  voice: string;
  /** Empty string = let the speech-to-text model detect the language. */
  language: string;
  /** Speak answers on parley.v1 sessions unless a client's Settings say otherwise. */
  speech: boolean;
  systemPrompt: string;
  /** Undefined = generate one and keep it in `configDir/token`. */
  token: string | undefined;
  /** More accepted tokens (PARLEY_TOKENS), one per person or device, each with its own turn budget. */
  tokens: string[];
  configDir: string;
  host: string;
  httpPort: number;
  wsPort: number;
  /** Exact extra web origins allowed besides extension origins and origin-less clients. */
  allowedOrigins: string[];
  /** When non-empty, extension origins must carry one of these ids. */
  extensionIds: string[];
  /** Host names the listeners answer to (besides IP literals): PARLEY_ALLOWED_HOSTS or loopback + bind host. */
  allowedHosts: string[];
  /** Applied to both listeners before any relay code runs. */
  server: { headersTimeoutMs: number; requestTimeoutMs: number; maxSockets: number };
  limits: {
    maxTextChars: number;
    maxAudioBytes: number;
    maxFrameBytes: number;
    turnsPerMinute: number;
    turnsPerMinutePerSession: number;
    maxConcurrentTurns: number;
    maxConnections: number;
    maxSendBufferBytes: number;
    maxHttpBodyBytes: number;
    /** One context attachment, after truncation: characters and estimated tokens (protocol/context-size.ts). */
    maxContextChars: number;
    maxContextTokens: number;
    /** Longest text one read-aloud request may carry. */
    maxReadAloudChars: number;
  };
  /** maxSessions bounds the in-memory store; maxSessionsPerToken bounds every store, per token. */
  history: { maxTurns: number; ttlMs: number; maxSessions: number; maxSessionsPerToken: number };
  /** REDIS_URL: sessions and turn budgets in Redis, shared by every instance; in memory when absent. */
  redisUrl: string | undefined;
  /** PARLEY_WORKERS: relay processes on this machine sharing the ports (more than 1 needs redisUrl). */
  workers: number;
  /** Failed authentications per client address before it is refused with 429 (PARLEY_AUTH_*). */
  authThrottle: { maxFailures: number; windowMs: number; baseBlockMs: number; maxBlockMs: number };
  /** Take the client address from the last X-Forwarded-For entry (behind a reverse proxy). */
  trustProxy: boolean;
  /** Accept `?token=` on WebSocket upgrades (legacy clients); PARLEY_LEGACY_QUERY_TOKEN=0 switches it off. */
  legacyQueryToken: boolean;
  upstream: { timeoutMs: number; retries: number; retryBaseMs: number };
  ttsConcurrency: number;
  /** Read-aloud keeps about this much estimated speech synthesised ahead of the listener (ms). */
  readAloudLeadMs: number;
  heartbeatMs: number;
  shutdownGraceMs: number;
  logText: boolean;
  /** What a client may choose and how long an answer may get. */
  answer: {
    /** Empty = any model name; otherwise Settings may choose only these (the default chat model is always included). */
    allowedModels: string[];
    /** 0 = not sent (the upstream's own limit). */
    maxCompletionTokens: number;
    /** 0 = no cap; beyond it sentences are sent as text only. */
    maxSpokenSentences: number;
  };
  /** Per token, per UTC day; 0 = no budget. */
  audioBytesPerDay: number;
  /** An open recording with no chunk for this long is discarded (RECORDING_IDLE). */
  recordingIdleMs: number;
  /** Non-empty when the relay runs against the demo fake (`npm run demo`). */
  demo: string;
  admin: AdminConfig;
}

/** A configuration mistake; the message says what to set. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

const MIB = 1024 * 1024;
export const DEFAULT_OPENAI_BASE_URL = 'https://api.openai.com/v1';

type Env = Readonly<Record<string, string | undefined>>;

function text(env: Env, name: string, fallback: string): string {
  const value = env[name]?.trim();
  return value === undefined || value === '' ? fallback : value;
}

function integer(env: Env, name: string, fallback: number, min: number, max = Number.MAX_SAFE_INTEGER): number {
  const raw = env[name]?.trim();
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d+$/.test(raw)) throw new ConfigError(`${name} must be a whole number (got "${raw}").`);
  const value = Number(raw);
  if (value < min || value > max) throw new ConfigError(`${name} must be between ${min} and ${max} (got ${value}).`);
  return value;
}

function flag(env: Env, name: string, fallback = false): boolean {
  const raw = env[name]?.trim().toLowerCase();
  if (raw === undefined || raw === '') return fallback;
  if (raw === '0' || raw === 'false' || raw === 'no') return false;
  if (raw === '1' || raw === 'true' || raw === 'yes') return true;
  throw new ConfigError(`${name} must be 0 or 1 (got "${raw}").`);
}

function url(env: Env, name: string, fallback: string): string {
  const value = text(env, name, fallback);
  let parsed: URL;
  try {
    parsed = new URL(value);
  } catch {
    // The URL constructor's message adds nothing to ours.
    throw new ConfigError(`${name} must be an http(s) URL such as ${DEFAULT_OPENAI_BASE_URL} (got "${value}").`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')
    throw new ConfigError(`${name} must start with http:// or https:// (got "${value}").`);
  return value.replace(/\/+$/, '');
}

function list(env: Env, name: string): string[] {
  return (env[name] ?? '')
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');
}

function model(env: Env, name: string, fallback: string): string {
  const value = text(env, name, fallback);
  if (!/^[A-Za-z0-9][A-Za-z0-9._:/-]*$/.test(value)) throw new ConfigError(`${name} must be a model name (got "${value}").`);
  return value;
}

/**
 * PARLEY_STT_STREAM: `auto` (default) streams for the gpt-4o transcribe models, the ones OpenAI streams
 * for; `on` forces it for a compatible server with other model names; `off` never asks.
 * whisper-1 ignores `stream` and answers JSON, which would read as a stream cut before it began.
 */
function sttStream(env: Env, sttModel: string): boolean {
  const mode = text(env, 'PARLEY_STT_STREAM', 'auto').toLowerCase();
  if (mode !== 'auto' && mode !== 'on' && mode !== 'off') throw new ConfigError(`PARLEY_STT_STREAM must be auto, on or off (got "${mode}").`);
  if (mode === 'on' && sttModel === 'whisper-1')
    throw new ConfigError('PARLEY_STT_STREAM=on needs a transcription model that streams; whisper-1 does not. Use auto or off, or a gpt-4o transcribe model.');
  return mode === 'on' || (mode === 'auto' && sttModel.startsWith('gpt-4o'));
}

/** A voice turn's speculative transcriptions, at most (the client sends one per pause in the user's speech). */
export const MAX_STT_SPECULATIONS = 3;

/** PARLEY_STT_SPECULATIVE: on (default) or off; off makes the relay advertise and start none. */
function sttSpeculations(env: Env): number {
  const mode = text(env, 'PARLEY_STT_SPECULATIVE', 'on').toLowerCase();
  if (mode !== 'on' && mode !== 'off') throw new ConfigError(`PARLEY_STT_SPECULATIVE must be on or off (got "${mode}").`);
  return mode === 'on' ? MAX_STT_SPECULATIONS : 0;
}

function defaultConfigDir(env: Env): string {
  const xdg = env.XDG_CONFIG_HOME?.trim();
  return join(xdg !== undefined && xdg !== '' ? xdg : join(homedir(), '.config'), 'parley');
}

/** Where the token file and the token registry live; the tokens CLI needs only this. */
export function configDirFrom(env: Env): string {
  return text(env, 'PARLEY_CONFIG_DIR', defaultConfigDir(env));
}

/** `--port 4000 --host 0.0.0.0` style flags that mirror a few variables. */
export function flagsToEnv(argv: readonly string[]): Record<string, string> {
  const names: Record<string, string> = {
    '--host': 'PARLEY_HOST',
    '--port': 'PARLEY_WS_PORT',
    '--ws-port': 'PARLEY_WS_PORT',
    '--http-port': 'PARLEY_HTTP_PORT',
  };
  const out: Record<string, string> = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    const [flagName, inline] = arg.split('=', 2) as [string, string | undefined];
    const name = names[flagName];
    if (name === undefined) throw new ConfigError(`Unknown option "${arg}". Options: --host, --port (WebSocket), --http-port.`);
    const value = inline ?? argv[++i];
    if (value === undefined) throw new ConfigError(`Option ${flagName} needs a value.`);
    out[name] = value;
  }
  return out;
}

function scaleOut(env: Env): { redisUrl: string | undefined; workers: number } {
  const redisUrl = text(env, 'REDIS_URL', '');
  if (redisUrl !== '' && !/^rediss?:\/\/[^\s]+$/.test(redisUrl))
    throw new ConfigError('REDIS_URL must look like redis://host:6379 or rediss://user:password@host:6380/0.');
  const workers = integer(env, 'PARLEY_WORKERS', 1, 1, 64);
  if (workers > 1 && redisUrl === '')
    throw new ConfigError(
      `PARLEY_WORKERS=${workers} needs REDIS_URL: each worker is its own process, and only a shared store lets a conversation and its limits follow a client from one to another. Set REDIS_URL=redis://127.0.0.1:6379 (apt install redis-server) or use PARLEY_WORKERS=1.`,
    );
  return { redisUrl: redisUrl === '' ? undefined : redisUrl, workers };
}

/** Reads and validates the configuration. Throws ConfigError with an actionable message. */
export function loadConfig(env: Env): RelayConfig {
  const apiKey = text(env, 'OPENAI_API_KEY', '');
  const baseOverride = text(env, 'OPENAI_BASE_URL', '');
  if (apiKey === '' && baseOverride === '')
    throw new ConfigError(
      'Set OPENAI_API_KEY (or OPENAI_BASE_URL for a local OpenAI-compatible server), or run `npm run demo`.',
    );
  const chat: Endpoint = { baseURL: url(env, 'OPENAI_BASE_URL', DEFAULT_OPENAI_BASE_URL), apiKey };
  const endpoint = (prefix: string): Endpoint => ({
    baseURL: url(env, `${prefix}_BASE_URL`, chat.baseURL),
    apiKey: text(env, `${prefix}_API_KEY`, chat.apiKey),
  });

  const language = text(env, 'PARLEY_LANGUAGE', '');
  if (language !== '' && !/^[a-z]{2,3}(-[A-Za-z0-9]{2,8})?$/.test(language))
    throw new ConfigError(`PARLEY_LANGUAGE must be a language code such as "en", or empty for auto-detect (got "${language}").`);
  const voice = text(env, 'PARLEY_TTS_VOICE', 'alloy');
  if (!/^[A-Za-z0-9][A-Za-z0-9_-]*$/.test(voice)) throw new ConfigError(`PARLEY_TTS_VOICE must be a voice name (got "${voice}").`);

  const token = text(env, 'PARLEY_TOKEN', '');
  if (/[^\x21-\x7e]/.test(token))
    throw new ConfigError('PARLEY_TOKEN must be printable ASCII without spaces (it travels in a WebSocket subprotocol).');
  const weakMain = token === '' ? undefined : weakTokenReason(token);
  if (weakMain !== undefined) throw new ConfigError(`PARLEY_TOKEN is too weak: ${weakMain}. ${STRONG_TOKEN_HINT}`);
  const tokens = list(env, 'PARLEY_TOKENS');
  // Messages name the entry's position, never its value: a token is as good as a password.
  tokens.forEach((entry, i) => {
    if (/[^\x21-\x7e]/.test(entry) || entry.includes(','))
      throw new ConfigError(`PARLEY_TOKENS entry ${i + 1} must be printable ASCII characters without spaces.`);
    const weak = weakTokenReason(entry);
    if (weak !== undefined) throw new ConfigError(`PARLEY_TOKENS entry ${i + 1} is too weak: ${weak}. ${STRONG_TOKEN_HINT}`);
    if (entry === token || tokens.indexOf(entry) !== i)
      throw new ConfigError(`PARLEY_TOKENS entry ${i + 1} repeats another token; give each person or device its own.`);
  });

  const { redisUrl, workers } = scaleOut(env);

  const allowedOrigins = list(env, 'PARLEY_ALLOWED_ORIGINS');
  for (const origin of allowedOrigins) {
    if (!/^https?:\/\/[^/\s]+$/.test(origin))
      throw new ConfigError(`PARLEY_ALLOWED_ORIGINS entries must be origins like https://example.com (got "${origin}").`);
  }

  const host = text(env, 'PARLEY_HOST', '127.0.0.1');
  const chatModel = model(env, 'PARLEY_CHAT_MODEL', 'gpt-4o-mini');
  const sttModel = model(env, 'PARLEY_STT_MODEL', 'gpt-4o-mini-transcribe');
  const allowedModels = list(env, 'PARLEY_ALLOWED_MODELS');
  for (const name of allowedModels) {
    if (!/^[A-Za-z0-9][A-Za-z0-9._:/-]*$/.test(name)) throw new ConfigError(`PARLEY_ALLOWED_MODELS entries must be model names (got "${name}").`);
  }
  const allowedHosts = list(env, 'PARLEY_ALLOWED_HOSTS');
  for (const name of allowedHosts) {
    if (!/^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9_.:-]+)$/.test(name))
      throw new ConfigError(`PARLEY_ALLOWED_HOSTS entries must be host names like relay.example.com, without scheme or path (got "${name}").`);
  }
  const maxConnections = integer(env, 'PARLEY_MAX_CONNECTIONS', 100, 1);
  // Room for refused sockets still closing and handshakes in progress on top of the accepted ones.
  const maxSockets = integer(env, 'PARLEY_MAX_SOCKETS', maxConnections * 2 + 100, 2);
  if (maxSockets <= maxConnections)
    throw new ConfigError(`PARLEY_MAX_SOCKETS (${maxSockets}) must be larger than PARLEY_MAX_CONNECTIONS (${maxConnections}), or the cap on accepted WebSockets is never reached.`);
  const headersTimeoutMs = integer(env, 'PARLEY_HTTP_HEADERS_TIMEOUT_MS', 10_000, 100);
  const requestTimeoutMs = integer(env, 'PARLEY_HTTP_REQUEST_TIMEOUT_MS', 120_000, 100);
  if (requestTimeoutMs < headersTimeoutMs)
    throw new ConfigError(`PARLEY_HTTP_REQUEST_TIMEOUT_MS (${requestTimeoutMs}) must be at least PARLEY_HTTP_HEADERS_TIMEOUT_MS (${headersTimeoutMs}).`);

  return {
    chat,
    stt: endpoint('PARLEY_STT'),
    tts: endpoint('PARLEY_TTS'),
    models: {
      chat: chatModel,
      stt: sttModel,
      tts: model(env, 'PARLEY_TTS_MODEL', 'gpt-4o-mini-tts'),
    },
    sttStream: sttStream(env, sttModel),
    sttSpeculations: sttSpeculations(env),
    voice,
    language,
    speech: flag(env, 'PARLEY_SPEECH', true),
    systemPrompt: text(env, 'PARLEY_SYSTEM_PROMPT', DEFAULT_SYSTEM_PROMPT),
    token: token === '' ? undefined : token,
    tokens,
    configDir: configDirFrom(env),
    host,
    httpPort: integer(env, 'PARLEY_HTTP_PORT', 3001, 0, 65535),
    wsPort: integer(env, 'PARLEY_WS_PORT', 3002, 0, 65535),
    allowedOrigins,
    extensionIds: list(env, 'PARLEY_EXTENSION_IDS'),
    allowedHosts: allowedHosts.length > 0 ? allowedHosts : defaultAllowedHosts(host),
    server: { headersTimeoutMs, requestTimeoutMs, maxSockets },
    limits: {
      maxTextChars: integer(env, 'PARLEY_MAX_TEXT_CHARS', 8000, 1),
      maxAudioBytes: integer(env, 'PARLEY_MAX_AUDIO_BYTES', 25 * MIB, 1),
      maxFrameBytes: integer(env, 'PARLEY_MAX_FRAME_BYTES', MIB, 1024),
      turnsPerMinute: integer(env, 'PARLEY_TURNS_PER_MINUTE', 30, 1),
      turnsPerMinutePerSession: integer(env, 'PARLEY_TURNS_PER_MINUTE_PER_SESSION', 20, 1),
      maxConcurrentTurns: integer(env, 'PARLEY_MAX_CONCURRENT_TURNS', 3, 1),
      maxConnections,
      maxSendBufferBytes: integer(env, 'PARLEY_MAX_SEND_BUFFER_BYTES', 4 * MIB, 64 * 1024),
      // base64 audio grows by 4/3, plus the JSON around it.
      maxHttpBodyBytes: Math.ceil((integer(env, 'PARLEY_MAX_AUDIO_BYTES', 25 * MIB, 1) * 4) / 3) + 64 * 1024,
      maxContextChars: integer(env, 'PARLEY_MAX_CONTEXT_CHARS', 24_000, 100, 1_000_000),
      maxContextTokens: integer(env, 'PARLEY_MAX_CONTEXT_TOKENS', 6_000, 25, 1_000_000),
      maxReadAloudChars: integer(env, 'PARLEY_MAX_READ_ALOUD_CHARS', 100_000, 100, 1_000_000),
    },
    history: {
      maxTurns: integer(env, 'PARLEY_HISTORY_MAX_TURNS', 20, 1),
      ttlMs: integer(env, 'PARLEY_HISTORY_TTL_MINUTES', 120, 1) * 60_000,
      maxSessions: integer(env, 'PARLEY_MAX_SESSIONS', 1000, 1),
      maxSessionsPerToken: integer(env, 'PARLEY_MAX_SESSIONS_PER_TOKEN', 100, 1),
    },
    redisUrl,
    workers,
    authThrottle: {
      maxFailures: integer(env, 'PARLEY_AUTH_MAX_FAILURES', 10, 1),
      windowMs: integer(env, 'PARLEY_AUTH_WINDOW_SECONDS', 60, 1) * 1000,
      baseBlockMs: integer(env, 'PARLEY_AUTH_BLOCK_SECONDS', 30, 1) * 1000,
      maxBlockMs: integer(env, 'PARLEY_AUTH_MAX_BLOCK_SECONDS', 3600, 1) * 1000,
    },
    trustProxy: flag(env, 'PARLEY_TRUST_PROXY'),
    legacyQueryToken: flag(env, 'PARLEY_LEGACY_QUERY_TOKEN', true),
    upstream: {
      timeoutMs: integer(env, 'PARLEY_UPSTREAM_TIMEOUT_MS', 60_000, 100),
      retries: integer(env, 'PARLEY_UPSTREAM_RETRIES', 2, 0, 10),
      retryBaseMs: integer(env, 'PARLEY_UPSTREAM_RETRY_BASE_MS', 500, 0, 60_000),
    },
    ttsConcurrency: integer(env, 'PARLEY_TTS_CONCURRENCY', 2, 1, 16),
    readAloudLeadMs: integer(env, 'PARLEY_READ_ALOUD_LEAD_MS', 20_000, 1000, 3_600_000),
    heartbeatMs: integer(env, 'PARLEY_HEARTBEAT_MS', 30_000, 100),
    shutdownGraceMs: integer(env, 'PARLEY_SHUTDOWN_GRACE_MS', 10_000, 0),
    logText: flag(env, 'PARLEY_LOG_TEXT'),
    demo: text(env, 'PARLEY_DEMO', ''),
    answer: {
      allowedModels: allowedModels.length === 0 ? [] : [...new Set([chatModel, ...allowedModels])],
      maxCompletionTokens: integer(env, 'PARLEY_MAX_COMPLETION_TOKENS', 0, 0),
      maxSpokenSentences: integer(env, 'PARLEY_MAX_SPOKEN_SENTENCES', 0, 0, 65_535),
    },
    audioBytesPerDay: integer(env, 'PARLEY_AUDIO_BYTES_PER_DAY', 0, 0),
    recordingIdleMs: integer(env, 'PARLEY_RECORDING_IDLE_SECONDS', 30, 1) * 1000,
    admin: readAdminConfig(env, [token, ...tokens]),
  };
}
