import { describe, expect, it } from 'vitest';
import { createLogger, createRedactor, describeCause } from '../../../server/log.ts';

describe('logger', () => {
  const make = (logText: boolean) => {
    const lines: string[] = [];
    const hints: string[] = [];
    const logger = createLogger({
      secrets: ['sk-configured-key-123456'],
      logOnlySecrets: ['client-token-abcdefgh'],
      logText,
      write: (l) => lines.push(l),
      writeHint: (h) => hints.push(h),
    });
    return { logger, lines, hints };
  };

  it('writes one JSON line per event and redacts keys, key-shaped strings and the token', () => {
    const { logger, lines, hints } = make(false);
    logger.error('upstream said', { detail: 'bad key sk-configured-key-123456 and sk-otherlookingkey1234567890', token: 'client-token-abcdefgh' });
    logger.hint('token: client-token-abcdefgh, key sk-configured-key-123456');
    const line = JSON.parse(lines[0] ?? '') as Record<string, unknown>;
    expect(line).toMatchObject({ level: 'error', msg: 'upstream said' });
    expect(lines[0]).not.toMatch(/sk-configured|sk-otherlooking|client-token/);
    // The pairing hint may show the token, never the key.
    expect(hints[0]).toBe('token: client-token-abcdefgh, key [redacted]');
  });

  it('redacts every occurrence, a secret holding $ patterns as written, and a longer secret whole', () => {
    const redact = createRedactor(['tok$&-$1-abcdefgh', 'long-secret-abcdefgh', 'long-secret-abcdefgh-and-more']);
    expect(redact('a tok$&-$1-abcdefgh b tok$&-$1-abcdefgh')).toBe('a [redacted] b [redacted]');
    expect(redact('x long-secret-abcdefgh-and-more y long-secret-abcdefgh')).toBe('x [redacted] y [redacted]');
    expect(redact('two keys: sk-aaaaaaaaaaaaaaaaaaaa, sk-bbbbbbbbbbbbbbbbbbbb; short sk-abc stays')).toBe('two keys: [redacted], [redacted]; short sk-abc stays');
    expect(redact('nothing secret here')).toBe('nothing secret here');
  });

  it('drops message text from turn lines unless PARLEY_LOG_TEXT is on', () => {
    const record = { sessionHash: 'h', tokenId: 't', turnId: 1, kind: 'text', transport: 'ws', outcome: 'ok', totalMs: 5, chunks: 2, userText: 'secret question', answerText: 'answer' } as const;
    const off = make(false);
    off.logger.turn(record);
    expect(off.lines[0]).not.toContain('secret question');
    expect(JSON.parse(off.lines[0] ?? '')).toMatchObject({ msg: 'turn', turnId: 1, outcome: 'ok', chunks: 2 });
    const on = make(true);
    on.logger.turn(record);
    expect(on.lines[0]).toContain('secret question');
  });
});

describe('describeCause', () => {
  it('names classes and codes along the cause chain, never messages', () => {
    const root = Object.assign(new Error('socket hang up for sk-secret-key'), { code: 'ECONNRESET' });
    const mid = new TypeError('fetch failed', { cause: root });
    class APIConnectionError extends Error {
      override name = 'APIConnectionError';
    }
    const top = new APIConnectionError('Connection error.', { cause: mid });
    const text = describeCause(top);
    expect(text).toBe('APIConnectionError > TypeError > Error(ECONNRESET)');
    expect(text).not.toContain('sk-secret');
    expect(describeCause('not an error')).toBeUndefined();
  });
});
