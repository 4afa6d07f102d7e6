// @vitest-environment node
// The turn runner's side of streamed transcription, through its one seam (TurnUpstream): it asks for
// partials only when the relay streams and the client can show them, passes them on while the turn
// lives, and never after it was cancelled. (The wire and the SDK: tests/integration/relay/streamed-transcript.test.ts.)
import { afterEach, describe, expect, it } from 'vitest';
import type { ErrorInfo } from '../../../../protocol/index.ts';
import { createMemorySessionStore } from '../../../../server/session/memory-store.ts';
import type { SessionStore } from '../../../../server/session/session-store.ts';
import { runTurn, type TurnSink } from '../../../../server/session/turn-runner.ts';
import type { TurnUpstream } from '../../../../server/session/turn-services.ts';
import { TEST_TURN_DEFAULTS } from '../../../helpers/turn-defaults.ts';

const DEFAULTS = TEST_TURN_DEFAULTS;
const WORDS = ['What ', 'is ', 'the ', 'capital?'];

interface Seen {
  partials: string[];
  transcripts: string[];
  chunks: string[];
  errors: ErrorInfo[];
}

function sink(withPartials: boolean): { sink: TurnSink; seen: Seen } {
  const seen: Seen = { partials: [], transcripts: [], chunks: [], errors: [] };
  return {
    seen,
    sink: {
      transcript: (text) => seen.transcripts.push(text),
      ...(withPartials ? { transcriptPartial: (text: string) => seen.partials.push(text) } : {}),
      textChunk: (text) => seen.chunks.push(text),
      textEnd: () => undefined,
      speechAudio: () => undefined,
      error: (info) => seen.errors.push(info),
    },
  };
}

/** An upstream that transcribes WORDS, streaming them when asked; `afterWord` runs after each partial. */
function upstream(afterWord: (index: number) => void = () => undefined): TurnUpstream & { streamed: boolean[] } {
  const streamed: boolean[] = [];
  return {
    streamed,
    async transcribe(request) {
      streamed.push(request.onPartial !== undefined);
      let soFar = '';
      for (const [index, word] of WORDS.entries()) {
        soFar += word;
        request.onPartial?.(soFar);
        afterWord(index);
        await Promise.resolve();
      }
      return soFar;
    },
    async *streamChat() {
      yield 'Paris.';
    },
    speak: () => Promise.resolve(new Uint8Array(0)),
  };
}

let store: SessionStore | undefined;
afterEach(async () => {
  await store?.close();
  store = undefined;
});

async function voiceTurn(options: { sttStream: boolean; partials: boolean; upstream: ReturnType<typeof upstream>; controller?: AbortController }) {
  store = createMemorySessionStore({ ttlMs: 60_000, maxPerToken: 10, maxSessions: 10 });
  const { sink: turnSink, seen } = sink(options.partials);
  const record = await runTurn(
    { upstream: options.upstream, store, defaults: { ...DEFAULTS, sttStream: options.sttStream } },
    {
      session: { key: { tokenId: 't', clientId: 'c' }, hash: 'h' },
      turnId: 1,
      input: { kind: 'voice', audio: new Uint8Array([0x1a, 0x45, 0xdf, 0xa3]), mimeType: 'audio/webm' },
      speech: false,
      signal: (options.controller ?? new AbortController()).signal,
      sink: turnSink,
    },
  );
  return { record, seen };
}

describe('turn runner, streamed transcription', () => {
  it('streams when the relay does and the client shows partials, then answers the final text', async () => {
    const up = upstream();
    const { record, seen } = await voiceTurn({ sttStream: true, partials: true, upstream: up });
    expect(up.streamed).toEqual([true]);
    expect(seen.partials).toEqual(['What ', 'What is ', 'What is the ', 'What is the capital?']);
    expect(seen.transcripts).toEqual(['What is the capital?']);
    expect(seen.chunks).toEqual(['Paris.']);
    expect(record).toMatchObject({ outcome: 'ok', userText: 'What is the capital?', firstPartialMs: expect.any(Number) });
  });

  it('does not ask for a stream when the relay is set not to, or the client cannot show it', async () => {
    for (const [sttStream, partials] of [
      [false, true],
      [true, false],
    ] as const) {
      const up = upstream();
      const { record, seen } = await voiceTurn({ sttStream, partials, upstream: up });
      expect(up.streamed).toEqual([false]);
      expect(seen.partials).toEqual([]);
      expect(seen.transcripts).toEqual(['What is the capital?']);
      expect(record.firstPartialMs).toBeUndefined();
    }
  });

  it('passes nothing on after the turn was cancelled mid-transcription', async () => {
    const controller = new AbortController();
    const up = upstream((index) => {
      if (index === 1) controller.abort('cancel');
    });
    const { record, seen } = await voiceTurn({ sttStream: true, partials: true, upstream: up, controller });
    expect(seen.partials).toEqual(['What ', 'What is ']);
    expect(seen.transcripts).toEqual([]);
    expect(seen.chunks).toEqual([]);
    expect(seen.errors.map((e) => e.code)).toEqual(['CANCELLED']);
    expect(record.outcome).toBe('cancelled');
  });
});
