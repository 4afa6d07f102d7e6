import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createSpeechPlayer, DUCK_GAIN, type PlaybackContext, type SpeechPlayer } from '../../../lib/voice/speech-player.ts';

/** Just enough of Web Audio: decoding resolves when the test says so; time moves when the test says so. */
class FakeContext {
  state: AudioContextState = 'running';
  currentTime = 0;
  started: Array<{ id: string; at: number }> = [];
  stopped: string[] = [];
  gainTarget = 1;
  decodes = new Map<string, { resolve: (buffer: AudioBuffer) => void; reject: (error: Error) => void }>();
  sources: Array<{ id: string; onended: (() => void) | null; at: number; duration: number }> = [];
  destination = {} as AudioDestinationNode;

  resume = () => {
    this.state = 'running';
    return Promise.resolve();
  };
  suspend = () => {
    this.state = 'suspended';
    return Promise.resolve();
  };
  close = () => Promise.resolve();
  decodeAudioData = (data: ArrayBuffer): Promise<AudioBuffer> => {
    const id = new TextDecoder().decode(data);
    return new Promise((resolve, reject) => this.decodes.set(id, { resolve, reject }));
  };
  createGain = () => {
    const gain = {
      cancelScheduledValues: () => gain,
      setValueAtTime: (value: number) => {
        this.gainTarget = value;
        return gain;
      },
      setTargetAtTime: (value: number) => {
        this.gainTarget = value;
        return gain;
      },
    };
    return { gain, connect: () => undefined, disconnect: () => undefined } as unknown as GainNode;
  };
  createBufferSource = () => {
    const sources = this.sources;
    const started = this.started;
    const stopped = this.stopped;
    const node = {
      buffer: null as (AudioBuffer & { id?: string }) | null,
      onended: null as (() => void) | null,
      connect: () => undefined,
      start(at: number) {
        const entry = { id: String(node.buffer?.id), onended: null as (() => void) | null, at, duration: node.buffer?.duration ?? 0 };
        Object.defineProperty(entry, 'onended', { get: () => node.onended });
        sources.push(entry);
        started.push({ id: entry.id, at });
      },
      stop() {
        stopped.push(String(node.buffer?.id));
      },
    };
    return node as unknown as AudioBufferSourceNode;
  };

  decoded(id: string, durationS: number): void {
    this.decodes.get(id)?.resolve({ duration: durationS, id } as unknown as AudioBuffer);
  }
  /** Moves audio time forward, firing `onended` of clips that finished. */
  advance(seconds: number): void {
    this.currentTime += seconds;
    for (const source of this.sources.splice(0)) {
      if (source.at + source.duration <= this.currentTime) source.onended?.();
      else this.sources.push(source);
    }
  }
}

const clip = (id: string) => ({ id, data: new TextEncoder().encode(id).buffer as ArrayBuffer });
const flush = () => new Promise<void>((resolve) => queueMicrotask(resolve));

describe('speech player', () => {
  let context: FakeContext;
  let player: SpeechPlayer;
  let events: string[];

  beforeEach(() => {
    vi.useFakeTimers();
    context = new FakeContext();
    events = [];
    player = createSpeechPlayer(context as unknown as PlaybackContext, {
      onClipStart: (id, _at, durationMs) => events.push(`start ${id} ${Math.round(durationMs)}`),
      onClipDropped: (id) => events.push(`drop ${id}`),
      onPlayingChange: (playing) => events.push(playing ? 'playing' : 'idle'),
    }, () => 0);
  });
  afterEach(() => vi.useRealTimers());

  it('plays clips back to back in queue order although decoding finishes out of order', async () => {
    player.enqueue(clip('t1:0'));
    player.enqueue(clip('t1:1'));
    context.decoded('t1:1', 2);
    await flush();
    expect(context.started).toEqual([]);
    context.decoded('t1:0', 1.5);
    await flush();
    expect(context.started.map((s) => s.id)).toEqual(['t1:0', 't1:1']);
    expect(context.started[1]?.at).toBeCloseTo((context.started[0]?.at ?? 0) + 1.5);
    vi.advanceTimersByTime(2000);
    expect(events).toEqual(['playing', 'start t1:0 1500', 'start t1:1 2000']);
  });

  it('starts the first clip at once, with no scheduling lead (it would add to the time before the answer is heard)', async () => {
    context.currentTime = 3;
    player.enqueue(clip('a'));
    context.decoded('a', 1);
    await flush();
    expect(context.started).toEqual([{ id: 'a', at: 3 }]);
    vi.advanceTimersByTime(0);
    expect(events).toEqual(['playing', 'start a 1000']);
  });

  it('reports how much was heard, and stop silences everything and drops what had not started', async () => {
    player.enqueue(clip('a'));
    player.enqueue(clip('b'));
    context.decoded('a', 1);
    context.decoded('b', 2);
    await flush();
    context.advance(1 + 0.5);
    expect(player.heard()).toEqual({ id: 'b', fraction: 0.25 });
    expect(player.stop()).toEqual({ id: 'b', fraction: 0.25 });
    expect(context.stopped).toEqual(['b']);
    expect(events.at(-1)).toBe('idle');
    expect(player.isPlaying()).toBe(false);
  });

  it('drops clips that never started when stopped', async () => {
    player.enqueue(clip('a'));
    player.enqueue(clip('b'));
    player.enqueue(clip('c'));
    context.decoded('a', 1);
    context.decoded('b', 1);
    await flush();
    context.advance(0.5);
    player.stop();
    expect(events.filter((e) => e.startsWith('drop'))).toEqual(['drop c', 'drop b']);
  });

  it('ducks and restores the volume, pauses and resumes the context', async () => {
    player.duck(true);
    expect(context.gainTarget).toBe(DUCK_GAIN);
    player.duck(false);
    expect(context.gainTarget).toBe(1);
    await player.pause();
    expect(context.state).toBe('suspended');
    await player.resume();
    expect(context.state).toBe('running');
  });

  it('is busy from enqueue, while the clip still decodes, and idle again when a clip fails to decode', async () => {
    player.enqueue(clip('a'));
    expect(player.isPlaying()).toBe(true);
    expect(events).toEqual(['playing']);
    context.decodes.get('a')?.reject(new Error('EncodingError'));
    await flush();
    await flush();
    expect(events).toEqual(['playing', 'drop a', 'idle']);
    expect(player.isPlaying()).toBe(false);
  });

  it('counts a clip that ended as heard in full', async () => {
    player.enqueue(clip('a'));
    context.decoded('a', 1);
    await flush();
    context.advance(2);
    expect(player.heard()).toEqual({ id: 'a', fraction: 1 });
    expect(events.at(-1)).toBe('idle');
  });
});
