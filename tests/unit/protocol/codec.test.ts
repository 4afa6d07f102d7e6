import { describe, expect, it } from 'vitest';
import {
  ClientFrame,
  decodeClientFrame,
  decodeServerFrame,
  encodeClientMessage,
  encodeServerMessage,
  ErrorCode,
  LEGACY_SERVER_TYPES,
  type ClientMessage,
  type ServerMessage,
} from '../../../protocol/index.ts';

const bytes = (...values: number[]) => new Uint8Array(values);

describe('client frames', () => {
  const v1: ClientMessage[] = [
    { type: 'setClientId', clientId: 'abc-123' },
    { type: 'userText', turnId: 7, text: 'héllo 👋' },
    { type: 'audioChunk', turnId: 7, data: bytes(1, 2, 3) },
    { type: 'audioEnd', turnId: 7 },
    { type: 'cancel', turnId: 0xffffffff },
    { type: 'settings', settings: { model: 'gpt-4o-mini', voice: 'alloy', language: 'en', speech: true, systemPrompt: 'Be brief.' } },
    { type: 'resume', clientId: 'abc', messages: [{ role: 'user', content: 'hi' }, { role: 'assistant', content: 'hello' }] },
    { type: 'ping', nonce: 42 },
    { type: 'interrupt', turnId: 9, heard: { index: 3, permille: 450 } },
    { type: 'settings', settings: { speed: 1.25 } },
    { type: 'speechPaused', turnId: 7, chunks: 3 },
    { type: 'audioEnd', turnId: 7, pause: 3 },
  ];
  it.each(v1)('round-trips $type in parley.v1', (message) => {
    const decoded = decodeClientFrame(encodeClientMessage(message, 'v1'), 'v1');
    expect(decoded).toEqual({ ok: true, value: message });
  });

  it('decodes the legacy framing byte for byte', () => {
    expect(decodeClientFrame(bytes(0x01, 0x61, 0x62), 'legacy')).toEqual({ ok: true, value: { type: 'setClientId', clientId: 'ab' } });
    expect(decodeClientFrame(bytes(0x02, 0x68, 0x69), 'legacy')).toEqual({ ok: true, value: { type: 'userText', turnId: 0, text: 'hi' } });
    expect(decodeClientFrame(bytes(0x03, 9, 8), 'legacy')).toEqual({ ok: true, value: { type: 'audioChunk', turnId: 0, data: bytes(9, 8) } });
    expect(decodeClientFrame(bytes(0x04), 'legacy')).toEqual({ ok: true, value: { type: 'audioEnd', turnId: 0 } });
    expect(encodeClientMessage({ type: 'userText', turnId: 0, text: 'hi' }, 'legacy')).toEqual(bytes(0x02, 0x68, 0x69));
  });

  it('lays SpeechPaused and AudioEnd with a pause out as docs/protocol.md says', () => {
    expect(encodeClientMessage({ type: 'speechPaused', turnId: 7, chunks: 0x0102 }, 'v1')).toEqual(bytes(0x0c, 0, 0, 0, 7, 0, 0, 1, 2));
    expect(encodeClientMessage({ type: 'audioEnd', turnId: 7, pause: 5 }, 'v1')).toEqual(bytes(0x04, 0, 0, 0, 7, 0, 0, 0, 5));
    // Without a pause the frame is what it always was; a legacy AudioEnd never carries one.
    expect(encodeClientMessage({ type: 'audioEnd', turnId: 7 }, 'v1')).toEqual(bytes(0x04, 0, 0, 0, 7));
    expect(encodeClientMessage({ type: 'audioEnd', turnId: 0, pause: 5 }, 'legacy')).toEqual(bytes(0x04));
  });

  it('refuses an AudioEnd with a pause on a legacy connection', () => {
    const result = decodeClientFrame(bytes(0x04, 0, 0, 0, 1, 0, 0, 0, 1), 'legacy');
    expect(result.ok).toBe(false);
  });

  it.each([ClientFrame.Cancel, ClientFrame.Interrupt, ClientFrame.SpeechPaused])('refuses v1-only frame 0x%s on a legacy connection', (type) => {
    const result = decodeClientFrame(bytes(type, 0, 0, 0, 1, 0, 0, 0, 0), 'legacy');
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error.code).toBe(ErrorCode.UnknownFrame);
  });

  it.each([
    ['empty frame', bytes(), ErrorCode.BadFrame],
    ['unknown type', bytes(0x42, 1), ErrorCode.UnknownFrame],
    ['truncated turn id', bytes(0x02, 0, 1), ErrorCode.BadFrame],
    ['turn id zero', bytes(0x04, 0, 0, 0, 0), ErrorCode.BadFrame],
    ['audio end with extra bytes', bytes(0x04, 0, 0, 0, 1, 9), ErrorCode.BadFrame],
    ['invalid UTF-8 text', bytes(0x02, 0, 0, 0, 1, 0xff, 0xfe), ErrorCode.BadFrame],
    ['empty client id', bytes(0x01), ErrorCode.BadFrame],
    ['settings not JSON', new Uint8Array([0x06, ...new TextEncoder().encode('{nope')]), ErrorCode.BadFrame],
    ['unknown setting', new Uint8Array([0x06, ...new TextEncoder().encode('{"baseURL":"http://evil"}')]), ErrorCode.BadSettings],
    ['bad model name', new Uint8Array([0x06, ...new TextEncoder().encode('{"model":"../../etc"}')]), ErrorCode.BadSettings],
    ['resume with system role', new Uint8Array([0x07, ...new TextEncoder().encode('{"clientId":"a","messages":[{"role":"system","content":"x"}]}')]), ErrorCode.BadFrame],
    ['short ping', bytes(0x08, 1), ErrorCode.BadFrame],
    ['interrupt without position', bytes(0x09, 0, 0, 0, 1), ErrorCode.BadFrame],
    ['interrupt of turn 0', bytes(0x09, 0, 0, 0, 0, 0, 1, 0, 0), ErrorCode.BadFrame],
    ['interrupt permille over 1000', bytes(0x09, 0, 0, 0, 1, 0, 1, 0x03, 0xe9), ErrorCode.BadFrame],
    ['speech paused without a count', bytes(0x0c, 0, 0, 0, 1), ErrorCode.BadFrame],
    ['speech paused of turn 0', bytes(0x0c, 0, 0, 0, 0, 0, 0, 0, 1), ErrorCode.BadFrame],
    ['speech paused at chunk 0', bytes(0x0c, 0, 0, 0, 1, 0, 0, 0, 0), ErrorCode.BadFrame],
    ['speech paused with extra bytes', bytes(0x0c, 0, 0, 0, 1, 0, 0, 0, 1, 0), ErrorCode.BadFrame],
    ['audio end with a pause of 0 chunks', bytes(0x04, 0, 0, 0, 1, 0, 0, 0, 0), ErrorCode.BadFrame],
    ['audio end with a pause of turn 0', bytes(0x04, 0, 0, 0, 0, 0, 0, 0, 1), ErrorCode.BadFrame],
    ['speed out of range', new Uint8Array([0x06, ...new TextEncoder().encode('{"speed":9}')]), ErrorCode.BadSettings],
    ['speed not a number', new Uint8Array([0x06, ...new TextEncoder().encode('{"speed":"fast"}')]), ErrorCode.BadSettings],
  ])('returns a typed error for %s', (_name, frame, code) => {
    const result = decodeClientFrame(frame, 'v1');
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error.code).toBe(code);
  });

  it('never throws on random bytes', () => {
    let seed = 1;
    const random = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
    for (let i = 0; i < 5000; i++) {
      const frame = new Uint8Array(Math.floor(random() * 40));
      for (let j = 0; j < frame.length; j++) frame[j] = Math.floor(random() * 256);
      if (frame.length > 0 && random() < 0.7) frame[0] = 1 + Math.floor(random() * 12);
      for (const dialect of ['legacy', 'v1'] as const) {
        const result = decodeClientFrame(frame, dialect);
        expect(typeof result.ok).toBe('boolean');
      }
    }
  });
});

describe('server frames', () => {
  const v1: ServerMessage[] = [
    { type: 'ok' },
    { type: 'ok', info: { protocol: 1, resumed: true, historyLength: 4, limits: { maxTextChars: 8000, maxAudioBytes: 25e6, maxConcurrentTurns: 2 } } },
    { type: 'ok', info: { protocol: 1, resumed: false, historyLength: 0, limits: { maxTextChars: 8000, maxAudioBytes: 25e6, maxConcurrentTurns: 2, maxSpeculations: 3 } } },
    { type: 'error', turnId: 3, error: { code: ErrorCode.UpstreamRateLimited, message: 'Slow down.', retryable: true, retryAfterMs: 1200 } },
    { type: 'textChunk', turnId: 3, text: 'Paris' },
    { type: 'textEnd', turnId: 3 },
    { type: 'textEnd', turnId: 3, speech: { spoken: 2, unspoken: 4 } },
    { type: 'transcript', turnId: 3, text: 'What is the capital of France?' },
    { type: 'transcriptPartial', turnId: 3, text: 'What is the capital' },
    { type: 'transcriptPartial', turnId: 3, text: '' },
    { type: 'speechAudio', turnId: 3, index: 2, sentence: 'Paris is the capital. ', audio: bytes(0xff, 0xfb, 0x90) },
    { type: 'pong', nonce: 99 },
  ];
  it.each(v1)('round-trips $type in parley.v1', (message) => {
    expect(decodeServerFrame(encodeServerMessage(message, 'v1'), 'v1')).toEqual({ ok: true, value: message });
  });

  it('encodes text chunks as type, turn id and exactly the UTF-8 bytes, whatever the characters', () => {
    for (const text of ['', 'é', '€ and 😀 in one', 'ascii first, then € and 😀', 'ü'.repeat(1000), '\u{10FFFF}x']) {
      const utf8 = new TextEncoder().encode(text);
      expect(encodeServerMessage({ type: 'textChunk', turnId: 0xfedcba98, text }, 'v1')).toEqual(new Uint8Array([0x11, 0xfe, 0xdc, 0xba, 0x98, ...utf8]));
      expect(encodeServerMessage({ type: 'textChunk', turnId: 1, text }, 'legacy')).toEqual(new Uint8Array([0x11, ...utf8]));
      expect(decodeServerFrame(encodeServerMessage({ type: 'textChunk', turnId: 7, text }, 'v1'), 'v1')).toEqual({ ok: true, value: { type: 'textChunk', turnId: 7, text } });
    }
  });

  it('keeps every text chunk frame intact while later ones are encoded (frames share a pool)', () => {
    const texts = Array.from({ length: 5000 }, (_, i) => (i % 7 === 0 ? `n${i}é€😀` : i % 11 === 0 ? 'x'.repeat(i % 900) : `t${i} `));
    const frames = texts.map((text, i) => encodeServerMessage({ type: 'textChunk', turnId: i, text }, i % 2 === 0 ? 'v1' : 'legacy'));
    frames.forEach((frame, i) => {
      const decoded = decodeServerFrame(frame, i % 2 === 0 ? 'v1' : 'legacy');
      expect(decoded).toEqual({ ok: true, value: { type: 'textChunk', turnId: i % 2 === 0 ? i : 0, text: texts[i] } });
    });
  });

  it('speaks the legacy framing to legacy clients', () => {
    expect(encodeServerMessage({ type: 'ok' }, 'legacy')).toEqual(bytes(0x01));
    expect(encodeServerMessage({ type: 'textChunk', turnId: 5, text: 'hi' }, 'legacy')).toEqual(bytes(0x11, 0x68, 0x69));
    expect(encodeServerMessage({ type: 'textEnd', turnId: 5 }, 'legacy')).toEqual(bytes(0x12));
    expect(encodeServerMessage({ type: 'error', turnId: 5, error: { code: ErrorCode.Internal, message: 'no', retryable: false } }, 'legacy')).toEqual(
      bytes(0x99, 0x6e, 0x6f),
    );
  });

  it('lays out TranscriptPartial as type 0x17, turn id, UTF-8 text; refuses bad UTF-8 and legacy', () => {
    expect(encodeServerMessage({ type: 'transcriptPartial', turnId: 258, text: 'Où' }, 'v1')).toEqual(bytes(0x17, 0, 0, 1, 2, 0x4f, 0xc3, 0xb9));
    const badText = decodeServerFrame(bytes(0x17, 0, 0, 0, 1, 0xc3), 'v1');
    expect(badText.ok ? undefined : badText.error.code).toBe(ErrorCode.BadFrame);
    const short = decodeServerFrame(bytes(0x17, 0, 0), 'v1');
    expect(short.ok ? undefined : short.error.code).toBe(ErrorCode.BadFrame);
    // A legacy client has never heard of it (and the relay never sends it one: LEGACY_SERVER_TYPES).
    const legacy = decodeServerFrame(bytes(0x17, 0, 0, 0, 1, 0x61), 'legacy');
    expect(legacy.ok ? undefined : legacy.error.code).toBe(ErrorCode.UnknownFrame);
    expect(LEGACY_SERVER_TYPES.has('transcriptPartial')).toBe(false);
  });
});
