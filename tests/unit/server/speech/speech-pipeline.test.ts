// @vitest-environment node
import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../../../protocol/index.ts';
import { UpstreamError } from '../../../../server/openai/upstream-error.ts';
import { createSpeechPipeline } from '../../../../server/speech/speech-pipeline.ts';

interface Call {
  text: string;
  signal: AbortSignal;
  resolve: (audio: Uint8Array) => void;
  reject: (error: unknown) => void;
}

/** A TTS stand-in whose requests the test completes by hand, in any order. */
function manualSpeak() {
  const calls: Call[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const speak = (text: string, signal: AbortSignal) =>
    new Promise<Uint8Array>((resolve, reject) => {
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      const settle = () => inFlight--;
      calls.push({
        text,
        signal,
        resolve: (audio) => (settle(), resolve(audio)),
        reject: (error) => (settle(), reject(error)),
      });
    });
  return { speak, calls, maxInFlight: () => maxInFlight };
}

const flush = () => new Promise((resolve) => setImmediate(resolve));
const audioOf = (text: string) => new TextEncoder().encode(`audio:${text}`);

function recorder() {
  const events: string[] = [];
  const errors: UpstreamError[] = [];
  return {
    events,
    errors,
    onAudio: (index: number, sentence: string, audio: Uint8Array) => events.push(`${index}:${sentence}:${new TextDecoder().decode(audio)}`),
    onError: (index: number, sentence: string, error: UpstreamError) => {
      events.push(`${index}:${sentence}:error`);
      errors.push(error);
    },
  };
}

describe('createSpeechPipeline', () => {
  it('delivers audio in sentence order when later sentences finish first', async () => {
    const tts = manualSpeak();
    const out = recorder();
    const pipeline = createSpeechPipeline({ speak: tts.speak, concurrency: 3, signal: new AbortController().signal, ...out });
    for (const s of ['one', 'two', 'three']) pipeline.push(s);
    const finished = pipeline.finish();
    tts.calls[2]?.resolve(audioOf('three'));
    tts.calls[1]?.resolve(audioOf('two'));
    await flush();
    expect(out.events).toEqual([]);
    tts.calls[0]?.resolve(audioOf('one'));
    await finished;
    expect(out.events).toEqual(['0:one:audio:one', '1:two:audio:two', '2:three:audio:three']);
  });

  it('keeps at most `concurrency` requests in flight', async () => {
    const tts = manualSpeak();
    const out = recorder();
    const pipeline = createSpeechPipeline({ speak: tts.speak, concurrency: 2, signal: new AbortController().signal, ...out });
    const sentences = ['a', 'b', 'c', 'd', 'e', 'f'];
    for (const s of sentences) pipeline.push(s);
    expect(tts.calls.map((c) => c.text)).toEqual(['a', 'b']);
    const finished = pipeline.finish();
    // Complete whatever is open, newest first, until everything was requested and answered.
    for (let done = 0; done < sentences.length; ) {
      const open = tts.calls.slice(done);
      for (const call of open.reverse()) call.resolve(audioOf(call.text));
      done = tts.calls.length;
      await flush();
    }
    await finished;
    expect(tts.maxInFlight()).toBe(2);
    expect(out.events.map((e) => e.split(':')[1])).toEqual(sentences);
  });

  it('reports a failed sentence once and still plays the later ones', async () => {
    const tts = manualSpeak();
    const out = recorder();
    const pipeline = createSpeechPipeline({ speak: tts.speak, concurrency: 2, signal: new AbortController().signal, ...out });
    for (const s of ['one', 'two', 'three']) pipeline.push(s);
    const finished = pipeline.finish();
    const refused = new UpstreamError({ code: ErrorCode.UpstreamRateLimited, message: 'slow down', retryable: true });
    tts.calls[1]?.reject(refused);
    tts.calls[0]?.resolve(audioOf('one'));
    await flush();
    tts.calls[2]?.reject(new Error('boom'));
    await finished;
    expect(out.events).toEqual(['0:one:audio:one', '1:two:error', '2:three:error']);
    expect(out.errors[0]).toBe(refused);
    expect(out.errors[1]).toBeInstanceOf(UpstreamError);
    expect(out.errors[1]?.info.code).toBe(ErrorCode.Internal);
  });

  it('stops on abort: every request sees the signal, finish resolves, no callback follows', async () => {
    const tts = manualSpeak();
    const out = recorder();
    const turn = new AbortController();
    const pipeline = createSpeechPipeline({ speak: tts.speak, concurrency: 2, signal: turn.signal, ...out });
    for (const s of ['one', 'two', 'three']) pipeline.push(s);
    tts.calls[0]?.resolve(audioOf('one'));
    await flush();
    expect(out.events).toEqual(['0:one:audio:one']);
    const finished = pipeline.finish();
    turn.abort();
    await finished;
    expect(tts.calls.every((call) => call.signal.aborted)).toBe(true);
    for (const call of tts.calls.slice(1)) call.reject(new DOMException('aborted', 'AbortError'));
    pipeline.push('four');
    await flush();
    expect(out.events).toEqual(['0:one:audio:one']);
    expect(tts.calls).toHaveLength(3);
  });

  it('finishes at once when nothing was pushed, and push after finish is a bug', async () => {
    const tts = manualSpeak();
    const pipeline = createSpeechPipeline({ speak: tts.speak, concurrency: 2, signal: new AbortController().signal, ...recorder() });
    await pipeline.finish();
    expect(() => pipeline.push('late')).toThrow(/after finish/);
  });

  it('rejects finish when a callback throws', async () => {
    const tts = manualSpeak();
    const pipeline = createSpeechPipeline({
      speak: tts.speak,
      concurrency: 1,
      signal: new AbortController().signal,
      onAudio: () => {
        throw new Error('socket gone');
      },
      onError: () => undefined,
    });
    pipeline.push('one');
    const finished = pipeline.finish();
    tts.calls[0]?.resolve(audioOf('one'));
    await expect(finished).rejects.toThrow('socket gone');
  });
});
