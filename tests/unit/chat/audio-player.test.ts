import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createAudioPlayer, type AudioPlayer, type SentenceAudio } from '../../../lib/chat/audio-player.ts';

/** Just enough of Web Audio: decoding resolves when the test says so; sources record when they start. */
class FakeContext {
  state: AudioContextState = 'suspended';
  currentTime = 0;
  started: Array<{ id: string; at: number; duration: number }> = [];
  stopped = 0;
  decodes = new Map<string, { resolve: (buffer: AudioBuffer) => void; reject: (error: Error) => void }>();

  resume(): Promise<void> {
    this.state = 'running';
    return Promise.resolve();
  }
  suspend(): Promise<void> {
    this.state = 'suspended';
    return Promise.resolve();
  }
  close(): Promise<void> {
    this.state = 'closed';
    return Promise.resolve();
  }
  decodeAudioData(data: ArrayBuffer): Promise<AudioBuffer> {
    const id = new TextDecoder().decode(data);
    return new Promise((resolve, reject) => this.decodes.set(id, { resolve, reject }));
  }
  finishDecode(id: string, durationS: number): void {
    this.decodes.get(id)?.resolve({ duration: durationS, id } as unknown as AudioBuffer);
  }
  failDecode(id: string): void {
    this.decodes.get(id)?.reject(new Error('EncodingError'));
  }
  createBufferSource() {
    const started = this.started;
    const onStop = () => this.stopped++;
    return {
      buffer: null as (AudioBuffer & { id?: string }) | null,
      onended: null as (() => void) | null,
      connect() {},
      start(at: number) {
        started.push({ id: String(this.buffer?.id), at, duration: this.buffer?.duration ?? 0 });
      },
      stop() {
        onStop();
      },
    };
  }
  get destination() {
    return {};
  }
}

const sentence = (id: string): SentenceAudio => ({ entryId: 'a1', sentence: id, data: new TextEncoder().encode(id).buffer as ArrayBuffer });

describe('createAudioPlayer', () => {
  let context: FakeContext;
  let player: AudioPlayer;
  let events: string[];

  beforeEach(() => {
    vi.useFakeTimers();
    context = new FakeContext();
    events = [];
    player = createAudioPlayer(
      {
        onSentenceStart: (item, durationMs) => events.push(`start:${item.sentence}:${Math.round(durationMs)}`),
        onSentenceDropped: (item) => events.push(`drop:${item.sentence}`),
        onSpeakingChange: (speaking) => events.push(`speaking:${speaking}`),
      },
      () => context as unknown as AudioContext,
    );
  });
  afterEach(() => vi.useRealTimers());

  it('drops audio before a gesture unlocked playback', () => {
    player.enqueue(sentence('early'));
    expect(events).toEqual(['drop:early']);
  });

  it('plays sentences back to back in arrival order even when decoding finishes out of order', async () => {
    player.unlock();
    await Promise.resolve();
    expect(player.canPlay()).toBe(true);
    player.enqueue(sentence('one'));
    player.enqueue(sentence('two'));
    player.enqueue(sentence('three'));
    context.finishDecode('three', 1);
    context.finishDecode('two', 2);
    await vi.advanceTimersByTimeAsync(0);
    expect(context.started).toEqual([]); // "one" is not decoded yet: nothing may jump the queue
    context.finishDecode('one', 1.5);
    await vi.advanceTimersByTimeAsync(0);
    expect(context.started.map((s) => s.id)).toEqual(['one', 'two', 'three']);
    const [one, two, three] = context.started;
    // Gapless: each starts exactly when the previous ends.
    expect(two?.at).toBeCloseTo((one?.at ?? 0) + 1.5, 9);
    expect(three?.at).toBeCloseTo((two?.at ?? 0) + 2, 9);
    await vi.advanceTimersByTimeAsync(5_000);
    expect(events).toEqual(['speaking:true', 'start:one:1500', 'start:two:2000', 'start:three:1000']);
  });

  it('skips a sentence that cannot be decoded and keeps the order', async () => {
    player.unlock();
    await Promise.resolve();
    player.enqueue(sentence('bad'));
    player.enqueue(sentence('good'));
    context.finishDecode('good', 1);
    context.failDecode('bad');
    await vi.advanceTimersByTimeAsync(100);
    expect(events.slice(0, 2)).toEqual(['drop:bad', 'speaking:true']);
    expect(context.started.map((s) => s.id)).toEqual(['good']);
  });

  it('pause holds the sentence announcements with the audio; resume brings them back; stop after pause plays again', async () => {
    player.unlock();
    await Promise.resolve();
    player.enqueue(sentence('first'));
    player.enqueue(sentence('second'));
    context.currentTime = 0;
    context.finishDecode('first', 1);
    context.finishDecode('second', 1);
    await vi.advanceTimersByTimeAsync(60);
    expect(events).toEqual(['speaking:true', 'start:first:1000']);
    player.pause();
    expect(context.state).toBe('suspended');
    await vi.advanceTimersByTimeAsync(5_000);
    expect(events).toEqual(['speaking:true', 'start:first:1000']); // "second" waits with the audio
    context.currentTime = 1;
    player.resume();
    await vi.advanceTimersByTimeAsync(100);
    expect(events).toEqual(['speaking:true', 'start:first:1000', 'start:second:1000']);
    player.pause();
    player.stop();
    expect(context.state).toBe('running');
    expect(player.canPlay()).toBe(true);
  });

  it('queues sentences while the context unlock() started is still starting (Firefox), and plays them once it runs', async () => {
    let run: () => void = () => undefined;
    context.resume = () =>
      new Promise<void>((resolve) => {
        run = () => {
          context.state = 'running';
          resolve();
        };
      });
    player.unlock();
    expect(player.canPlay()).toBe(true);
    player.enqueue(sentence('first'));
    context.finishDecode('first', 1);
    await vi.advanceTimersByTimeAsync(10);
    expect(events).not.toContain('drop:first');
    run();
    await vi.advanceTimersByTimeAsync(100);
    expect(events).toEqual(['speaking:true', 'start:first:1000']);
  });

  it('stops queueing for a context the browser never lets run', async () => {
    context.resume = () => new Promise<void>(() => undefined);
    player.unlock();
    await vi.advanceTimersByTimeAsync(3_000);
    expect(player.canPlay()).toBe(false);
    player.enqueue(sentence('late'));
    expect(events).toEqual(['drop:late']);
  });

  it('keeps receiving sentences while paused; they play after resume', async () => {
    player.unlock();
    await Promise.resolve();
    player.pause();
    expect(player.canPlay()).toBe(true);
    player.enqueue(sentence('during-pause'));
    context.finishDecode('during-pause', 1);
    await vi.advanceTimersByTimeAsync(100);
    expect(events).not.toContain('drop:during-pause');
    player.resume();
    await vi.advanceTimersByTimeAsync(200);
    expect(events).toContain('start:during-pause:1000');
  });

  it('stop silences what plays and drops what is queued', async () => {
    player.unlock();
    await Promise.resolve();
    player.enqueue(sentence('playing'));
    player.enqueue(sentence('queued'));
    context.finishDecode('playing', 3);
    await vi.advanceTimersByTimeAsync(0);
    player.stop();
    expect(context.stopped).toBe(1);
    expect(events).toContain('drop:queued');
    expect(events.at(-1)).toBe('speaking:false');
    context.finishDecode('queued', 1); // a decode that finishes after stop plays nothing
    await vi.advanceTimersByTimeAsync(5_000);
    expect(context.started.map((s) => s.id)).toEqual(['playing']);
  });
});
