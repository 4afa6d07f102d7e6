import { describe, expect, it } from 'vitest';
import { ConfigError, DEFAULT_SYSTEM_PROMPT, flagsToEnv, loadConfig } from '../../../server/config.ts';

const STRONG_A = 'kQ7vX2pL9mZr4TwY8bN3cF6hJ1dS5gKe0uA';
const STRONG_B = 'Wm3Rz8Qy1Lp6Vt4Xs9Kd2Hf7Gc5Nb0Ja_-E';

describe('loadConfig', () => {
  it('fails fast with what to set when there is neither key nor base URL', () => {
    expect(() => loadConfig({})).toThrow(ConfigError);
    expect(() => loadConfig({})).toThrow(/Set OPENAI_API_KEY \(or OPENAI_BASE_URL .*\), or run `npm run demo`/);
  });

  it('applies documented defaults, and STT/TTS endpoints default to the main one', () => {
    const config = loadConfig({ OPENAI_API_KEY: 'sk-x', XDG_CONFIG_HOME: '/xdg' });
    expect(config.chat).toEqual({ baseURL: 'https://api.openai.com/v1', apiKey: 'sk-x' });
    expect(config.stt).toEqual(config.chat);
    expect(config.tts).toEqual(config.chat);
    expect(config.models).toEqual({ chat: 'gpt-4o-mini', stt: 'gpt-4o-mini-transcribe', tts: 'gpt-4o-mini-tts' });
    expect(config).toMatchObject({
      voice: 'alloy',
      language: '',
      systemPrompt: DEFAULT_SYSTEM_PROMPT,
      token: undefined,
      configDir: '/xdg/parley',
      host: '127.0.0.1',
      httpPort: 3001,
      wsPort: 3002,
      speech: true,
      logText: false,
    });
    expect(config.limits).toMatchObject({ maxTextChars: 8000, maxAudioBytes: 25 * 1024 * 1024, turnsPerMinute: 30, maxConcurrentTurns: 3 });
    expect(config.limits).toMatchObject({ maxContextChars: 24_000, maxContextTokens: 6_000, maxReadAloudChars: 100_000 });
    expect(config.history).toMatchObject({ maxTurns: 20, ttlMs: 120 * 60_000 });
    expect(config.upstream).toMatchObject({ timeoutMs: 60_000, retries: 2 });
    expect(config.authThrottle).toEqual({ maxFailures: 10, windowMs: 60_000, baseBlockMs: 30_000, maxBlockMs: 3_600_000 });
    expect(config.trustProxy).toBe(false);
    expect(config.allowedHosts).toEqual(['localhost']);
    expect(config.server).toEqual({ headersTimeoutMs: 10_000, requestTimeoutMs: 120_000, maxSockets: 300 });
    expect(loadConfig({ OPENAI_API_KEY: 'sk-x', PARLEY_HOST: 'relay.lan' }).allowedHosts).toEqual(['localhost', 'relay.lan']);
  });

  it('accepts a base URL without a key (local OpenAI-compatible servers) and separate STT/TTS endpoints', () => {
    const config = loadConfig({
      OPENAI_BASE_URL: 'http://localhost:8080/v1/',
      PARLEY_STT_BASE_URL: 'http://stt.local/v1',
      PARLEY_TTS_API_KEY: 'tts-key',
    });
    expect(config.chat).toEqual({ baseURL: 'http://localhost:8080/v1', apiKey: '' });
    expect(config.stt.baseURL).toBe('http://stt.local/v1');
    expect(config.tts).toEqual({ baseURL: 'http://localhost:8080/v1', apiKey: 'tts-key' });
  });

  it.each([
    [{ PARLEY_WS_PORT: 'abc' }, /PARLEY_WS_PORT must be a whole number/],
    [{ PARLEY_HTTP_PORT: '70000' }, /PARLEY_HTTP_PORT must be between 0 and 65535/],
    [{ OPENAI_BASE_URL: 'ftp://x' }, /OPENAI_BASE_URL must start with http/],
    [{ PARLEY_TOKEN: 'short' }, /PARLEY_TOKEN is too weak: it is shorter than 32 characters\. Generate one with .*tokens add NAME/],
    [{ PARLEY_TOKEN: 'x'.repeat(40) }, /PARLEY_TOKEN is too weak: it is one short pattern repeated/],
    [{ PARLEY_TOKEN: 'our-team-password-for-the-parley-relay' }, /PARLEY_TOKEN is too weak: it contains the common word/],
    [{ PARLEY_TOKEN: 'has a space in it, long enough' }, /printable ASCII/],
    [{ PARLEY_TOKENS: `${STRONG_A},short` }, /PARLEY_TOKENS entry 2 is too weak: it is shorter than 32/],
    [{ PARLEY_TOKENS: `tab\t${STRONG_A}` }, /PARLEY_TOKENS entry 1 must be printable/],
    [{ PARLEY_TOKENS: `${STRONG_A},${STRONG_A}` }, /PARLEY_TOKENS entry 2 repeats/],
    [{ PARLEY_TOKEN: STRONG_A, PARLEY_TOKENS: STRONG_A }, /PARLEY_TOKENS entry 1 repeats/],
    [{ PARLEY_AUTH_MAX_FAILURES: '0' }, /PARLEY_AUTH_MAX_FAILURES must be between 1/],
    [{ PARLEY_MAX_CONNECTIONS: '50', PARLEY_MAX_SOCKETS: '50' }, /PARLEY_MAX_SOCKETS \(50\) must be larger than PARLEY_MAX_CONNECTIONS/],
    [{ PARLEY_HTTP_HEADERS_TIMEOUT_MS: '5000', PARLEY_HTTP_REQUEST_TIMEOUT_MS: '1000' }, /PARLEY_HTTP_REQUEST_TIMEOUT_MS \(1000\) must be at least/],
    [{ PARLEY_ALLOWED_HOSTS: 'https://relay.example.com' }, /PARLEY_ALLOWED_HOSTS entries must be host names/],
    [{ PARLEY_LANGUAGE: 'English' }, /PARLEY_LANGUAGE/],
    [{ PARLEY_ALLOWED_ORIGINS: 'example.com' }, /PARLEY_ALLOWED_ORIGINS/],
    [{ PARLEY_LOG_TEXT: 'maybe' }, /PARLEY_LOG_TEXT must be 0 or 1/],
  ])('refuses %o', (env, message) => {
    expect(() => loadConfig({ OPENAI_API_KEY: 'sk-x', ...env })).toThrow(message);
  });

  it('reads extra tokens from PARLEY_TOKENS, trimmed, and keeps them out of error messages', () => {
    expect(loadConfig({ OPENAI_API_KEY: 'sk-x' }).tokens).toEqual([]);
    const config = loadConfig({ OPENAI_API_KEY: 'sk-x', PARLEY_TOKENS: ` ${STRONG_A} , ${STRONG_B} ,` });
    expect(config.tokens).toEqual([STRONG_A, STRONG_B]);
    expect(config.token).toBeUndefined();
    try {
      loadConfig({ OPENAI_API_KEY: 'sk-x', PARLEY_TOKENS: 'secret-too-shor' });
      expect.unreachable('a short token must be refused');
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      expect(String(err)).not.toContain('secret-too-shor');
    }
  });

  it('streams transcripts for the gpt-4o transcribe models unless PARLEY_STT_STREAM says otherwise', () => {
    const stream = (env: Record<string, string>) => loadConfig({ OPENAI_API_KEY: 'sk-x', ...env }).sttStream;
    expect(stream({})).toBe(true);
    expect(stream({ PARLEY_STT_MODEL: 'gpt-4o-transcribe' })).toBe(true);
    expect(stream({ PARLEY_STT_MODEL: 'whisper-1' })).toBe(false);
    expect(stream({ PARLEY_STT_MODEL: 'whisper-1', PARLEY_STT_STREAM: 'auto' })).toBe(false);
    expect(stream({ PARLEY_STT_STREAM: 'off' })).toBe(false);
    expect(stream({ PARLEY_STT_STREAM: 'OFF' })).toBe(false);
    // A compatible server with its own model names that streams the same events.
    expect(stream({ PARLEY_STT_MODEL: 'parakeet-tdt', PARLEY_STT_STREAM: 'on' })).toBe(true);
    expect(stream({ PARLEY_STT_MODEL: 'parakeet-tdt' })).toBe(false);
    expect(() => stream({ PARLEY_STT_STREAM: 'yes' })).toThrow(/PARLEY_STT_STREAM must be auto, on or off/);
    expect(() => stream({ PARLEY_STT_MODEL: 'whisper-1', PARLEY_STT_STREAM: 'on' })).toThrow(/whisper-1 does not/);
  });

  it('speculates on transcriptions up to 3 times a turn unless PARLEY_STT_SPECULATIVE=off', () => {
    const speculations = (env: Record<string, string>) => loadConfig({ OPENAI_API_KEY: 'sk-x', ...env }).sttSpeculations;
    expect(speculations({})).toBe(3);
    expect(speculations({ PARLEY_STT_SPECULATIVE: 'on' })).toBe(3);
    expect(speculations({ PARLEY_STT_SPECULATIVE: 'Off' })).toBe(0);
    expect(() => speculations({ PARLEY_STT_SPECULATIVE: '1' })).toThrow(/PARLEY_STT_SPECULATIVE must be on or off/);
  });

  it('maps CLI flags onto variables', () => {
    expect(flagsToEnv(['--port', '4000', '--host=0.0.0.0', '--http-port', '4001'])).toEqual({
      PARLEY_WS_PORT: '4000',
      PARLEY_HOST: '0.0.0.0',
      PARLEY_HTTP_PORT: '4001',
    });
    expect(() => flagsToEnv(['--nope'])).toThrow(/Unknown option/);
    expect(() => flagsToEnv(['--port'])).toThrow(/needs a value/);
  });
});

describe('scale-out configuration', () => {
  const base = { OPENAI_API_KEY: 'sk-x' };
  it('keeps sessions in memory with one worker and 100 sessions per token by default', () => {
    const config = loadConfig(base);
    expect(config).toMatchObject({ redisUrl: undefined, workers: 1 });
    expect(config.history.maxSessionsPerToken).toBe(100);
  });

  it('refuses PARLEY_WORKERS above 1 without REDIS_URL, saying what to set', () => {
    expect(() => loadConfig({ ...base, PARLEY_WORKERS: '2' })).toThrow(/PARLEY_WORKERS=2 needs REDIS_URL.*Set REDIS_URL=redis:\/\//);
    expect(loadConfig({ ...base, PARLEY_WORKERS: '2', REDIS_URL: 'redis://127.0.0.1:6379' })).toMatchObject({ workers: 2, redisUrl: 'redis://127.0.0.1:6379' });
  });

  it('refuses a REDIS_URL that is not a redis URL without echoing it (it may hold a password)', () => {
    const bad = 'http://user:hunter2@redis.example:6379';
    expect(() => loadConfig({ ...base, REDIS_URL: bad })).toThrow(/REDIS_URL must look like redis:\/\//);
    expect(() => loadConfig({ ...base, REDIS_URL: bad })).not.toThrow(/hunter2/);
  });
});
