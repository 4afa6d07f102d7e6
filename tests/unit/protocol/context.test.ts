// AttachContext / SpeakText / ContextInfo frames and the shared size estimate (issue 12).
import { describe, expect, it } from 'vitest';
import {
  ClientFrame,
  decodeClientFrame,
  decodeServerFrame,
  encodeClientMessage,
  encodeServerMessage,
  ErrorCode,
  estimateTokens,
  truncateToCaps,
  type ClientMessage,
} from '../../../protocol/index.ts';

const encoder = new TextEncoder();
const attachFrame = (turnId: number, json: string) => {
  const body = encoder.encode(json);
  const out = new Uint8Array(5 + body.byteLength);
  out[0] = ClientFrame.AttachContext;
  new DataView(out.buffer).setUint32(1, turnId);
  out.set(body, 5);
  return out;
};

describe('context frames', () => {
  const messages: ClientMessage[] = [
    { type: 'attachContext', turnId: 3, attachment: { kind: 'page', title: 'Pricing — Example', url: 'https://example.com/a?b=1', text: 'Plans start at 9 €.' } },
    { type: 'attachContext', turnId: 4, attachment: { kind: 'selection', title: '', text: 'Just this.' } },
    { type: 'speakText', turnId: 5, text: 'Read this aloud. Then this.' },
  ];
  it.each(messages)('round-trips $type', (message) => {
    expect(decodeClientFrame(encodeClientMessage(message), 'v1')).toEqual({ ok: true, value: message });
  });

  it('round-trips the relay receipt, and OK limits with and without the new caps', () => {
    const info = { kind: 'page' as const, chars: 100, originalChars: 250, tokens: 25, truncated: true, maxChars: 100, maxTokens: 6000 };
    expect(decodeServerFrame(encodeServerMessage({ type: 'contextInfo', turnId: 9, info }), 'v1')).toEqual({ ok: true, value: { type: 'contextInfo', turnId: 9, info } });
    const limits = { maxTextChars: 1, maxAudioBytes: 2, maxConcurrentTurns: 3 };
    for (const extra of [{}, { maxContextChars: 4, maxContextTokens: 5, maxReadAloudChars: 6 }]) {
      const ok = { type: 'ok' as const, info: { protocol: 1, resumed: false, historyLength: 0, limits: { ...limits, ...extra } } };
      expect(decodeServerFrame(encodeServerMessage(ok), 'v1')).toEqual({ ok: true, value: ok });
    }
  });

  it.each([
    ['not an object', '[1]'],
    ['an unknown kind', '{"kind":"tab","title":"t","text":"x"}'],
    ['an unknown field', '{"kind":"page","title":"t","text":"x","html":"<b>"}'],
    ['a title with a line break', '{"kind":"page","title":"a\\nb","text":"x"}'],
    ['a javascript: url', '{"kind":"page","title":"t","url":"javascript:alert(1)","text":"x"}'],
    ['blank text', '{"kind":"page","title":"t","text":"  \\n "}'],
  ])('refuses an attachment with %s as BAD_CONTEXT', (_name, json) => {
    const decoded = decodeClientFrame(attachFrame(1, json), 'v1');
    expect(decoded.ok).toBe(false);
    if (!decoded.ok) expect(decoded.error.code).toBe(ErrorCode.BadContext);
  });

  it('refuses bad JSON and turn id 0 as BAD_FRAME, and both frames on legacy connections', () => {
    for (const frame of [attachFrame(1, '{'), attachFrame(0, '{"kind":"page","title":"t","text":"x"}')]) {
      const decoded = decodeClientFrame(frame, 'v1');
      expect(decoded.ok ? undefined : decoded.error.code).toBe(ErrorCode.BadFrame);
    }
    for (const message of messages) {
      const decoded = decodeClientFrame(encodeClientMessage(message), 'legacy');
      expect(decoded.ok ? undefined : decoded.error.code).toBe(ErrorCode.UnknownFrame);
    }
  });
});

describe('context size', () => {
  it('estimates about four ASCII characters per token and one per CJK character', () => {
    expect(estimateTokens('')).toBe(0);
    expect(estimateTokens('abcdefgh')).toBe(2);
    expect(estimateTokens('東京都')).toBe(3);
    expect(estimateTokens('привет')).toBe(3);
  });

  it('keeps text within both caps untouched', () => {
    expect(truncateToCaps('short text', { maxChars: 100, maxTokens: 100 })).toEqual({ text: 'short text', chars: 10, originalChars: 10, tokens: 3, truncated: false });
  });

  it('cuts at the character cap on a word boundary', () => {
    const text = 'alpha beta gamma delta epsilon';
    const cut = truncateToCaps(text, { maxChars: 14, maxTokens: 1000 });
    expect(cut).toMatchObject({ text: 'alpha beta', chars: 10, originalChars: 30, truncated: true });
  });

  it('cuts at the token cap when that is tighter, and never splits a surrogate pair', () => {
    const cjk = truncateToCaps('東'.repeat(50), { maxChars: 1000, maxTokens: 10 });
    expect(cjk).toMatchObject({ chars: 10, tokens: 10, truncated: true });
    const emoji = truncateToCaps('😀'.repeat(10), { maxChars: 5, maxTokens: 1000 });
    expect(emoji.text).toBe('😀😀');
  });

  it('is linear: a 5 MB page is cut quickly and within the caps', () => {
    const huge = 'word '.repeat(1_000_000);
    const cut = truncateToCaps(huge, { maxChars: 24_000, maxTokens: 6_000 });
    expect(cut.truncated).toBe(true);
    expect(cut.chars).toBeLessThanOrEqual(24_000);
    expect(cut.tokens).toBeLessThanOrEqual(6_000);
  });
});
