import { afterEach, describe, expect, it } from 'vitest';
import { grantMicrophone } from '../../../lib/recorder/grant-microphone.ts';
import { CANCELLED_MESSAGE, createRecorderController, RECORDING_MIME_TYPE, TIMESLICE_MS, type RecorderDeps } from '../../../lib/recorder/media-recorder.ts';
import type { RecorderSink } from '../../../lib/recorder/recorder-host.ts';

class FakeTrack extends EventTarget {
  stopped = false;
  stop() {
    this.stopped = true;
  }
}
class FakeStream {
  track = new FakeTrack();
  getTracks = () => [this.track];
  getAudioTracks = () => [this.track];
}
class FakeMediaRecorder {
  static last: FakeMediaRecorder | undefined;
  static isTypeSupported = (type: string): boolean => type === RECORDING_MIME_TYPE;
  state: 'inactive' | 'recording' = 'inactive';
  timeslice: number | undefined;
  ondataavailable: ((event: { data: Blob }) => void) | null = null;
  onstop: (() => void) | null = null;
  onerror: ((event: Event) => void) | null = null;
  onstart: (() => void) | null = null;
  /** Like Chrome, the start event comes later, once audio flows; `holdStart` keeps it back. */
  static holdStart = false;
  constructor(
    readonly stream: FakeStream,
    readonly options: { mimeType: string },
  ) {
    FakeMediaRecorder.last = this;
  }
  start(timeslice: number) {
    this.state = 'recording';
    this.timeslice = timeslice;
    if (!FakeMediaRecorder.holdStart) setTimeout(() => this.fireStart(), 0);
  }
  fireStart() {
    if (this.state === 'recording') this.onstart?.();
  }
  stop() {
    this.state = 'inactive';
    this.ondataavailable?.({ data: new Blob([new Uint8Array([9])]) });
    this.onstop?.();
  }
  emit(bytes: number[]) {
    this.ondataavailable?.({ data: new Blob([new Uint8Array(bytes)]) });
  }
}

const domError = (name: string) => Object.assign(new Error(name), { name });

function setup(overrides: Partial<RecorderDeps> = {}) {
  const events: string[] = [];
  const sink: RecorderSink = {
    chunk: ({ seq, base64 }) => void events.push(`chunk ${seq} ${base64}`),
    end: ({ chunks }) => void events.push(`end ${chunks}`),
    error: ({ code }) => void events.push(`error ${code}`),
  };
  const stream = new FakeStream();
  const controller = createRecorderController(sink, {
    getUserMedia: async () => stream as unknown as MediaStream,
    MediaRecorderImpl: FakeMediaRecorder as unknown as typeof MediaRecorder,
    microphonePermission: async () => 'prompt',
    log: () => undefined,
    ...overrides,
  });
  return { controller, events, stream };
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 10));

describe('recorder', () => {
  it('records webm/opus in 250 ms slices and delivers them in order, then the end', async () => {
    const { controller, events, stream } = setup();
    expect(await controller.start(7)).toEqual({ ok: true });
    const recorder = FakeMediaRecorder.last!;
    expect(recorder.options.mimeType).toBe('audio/webm;codecs=opus');
    expect(recorder.timeslice).toBe(TIMESLICE_MS);
    recorder.emit([1]);
    recorder.emit([2]);
    controller.stop(false);
    await settle();
    expect(events).toEqual(['chunk 0 AQ==', 'chunk 1 Ag==', 'chunk 2 CQ==', 'end 3']);
    expect(stream.track.stopped).toBe(true);
  });

  describe('start: reports recording only once MediaRecorder records (issue 11)', () => {
    afterEach(() => {
      FakeMediaRecorder.holdStart = false;
    });

    it('answers start only after the start event', async () => {
      FakeMediaRecorder.holdStart = true;
      const { controller } = setup();
      let answer: unknown;
      void controller.start(1).then((result) => (answer = result));
      await settle();
      expect(FakeMediaRecorder.last?.state, 'MediaRecorder.start was called').toBe('recording');
      expect(answer, 'no answer while the recorder has not started').toBeUndefined();
      FakeMediaRecorder.last!.fireStart();
      await settle();
      expect(answer).toEqual({ ok: true });
    });

    it('a stop while the microphone opens records nothing and releases the microphone', async () => {
      let grant: (stream: MediaStream) => void = () => undefined;
      const stream = new FakeStream();
      const { controller, events } = setup({ getUserMedia: () => new Promise((resolve) => (grant = resolve)) });
      const before = FakeMediaRecorder.last;
      const answer = controller.start(1);
      controller.stop(true);
      grant(stream as unknown as MediaStream);
      expect(await answer).toMatchObject({ ok: false, code: 'FAILED', message: CANCELLED_MESSAGE });
      expect(stream.track.stopped, 'the microphone is released').toBe(true);
      expect(FakeMediaRecorder.last, 'no MediaRecorder was created').toBe(before);
      await settle();
      expect(events).toEqual([]);
    });

    it('a stop or an error before the start event ends the wait with a failure, never a hang', async () => {
      FakeMediaRecorder.holdStart = true;
      const first = setup();
      const stopped = first.controller.start(1);
      await settle();
      first.controller.stop(true);
      expect(await stopped).toMatchObject({ ok: false, message: CANCELLED_MESSAGE });
      expect(first.stream.track.stopped).toBe(true);

      const second = setup();
      const failed = second.controller.start(2);
      await settle();
      FakeMediaRecorder.last!.onerror?.(new Event('error'));
      expect(await failed).toMatchObject({ ok: false, code: 'FAILED' });
      expect(second.stream.track.stopped).toBe(true);
      await settle();
      expect(second.events).toEqual(['error FAILED']);
    });
  });

  it('opens the mic with echo cancellation, noise suppression and auto gain on', async () => {
    let asked: MediaStreamConstraints | undefined;
    const stream = new FakeStream();
    const { controller } = setup({
      getUserMedia: async (constraints) => {
        asked = constraints;
        return stream as unknown as MediaStream;
      },
    });
    await controller.start(1);
    expect(asked?.audio).toMatchObject({ echoCancellation: true, noiseSuppression: true, autoGainControl: true });
  });

  it('maps a missing grant to PERMISSION_DENIED, but an OS block (already granted) to FAILED', async () => {
    const denied = setup({ getUserMedia: () => Promise.reject(domError('NotAllowedError')) });
    expect(await denied.controller.start(1)).toMatchObject({ ok: false, code: 'PERMISSION_DENIED' });
    const blocked = setup({ getUserMedia: () => Promise.reject(domError('NotAllowedError')), microphonePermission: async () => 'granted' });
    expect(await blocked.controller.start(1)).toMatchObject({ ok: false, code: 'FAILED' });
  });

  it('maps no microphone and unsupported formats', async () => {
    expect(await setup({ getUserMedia: () => Promise.reject(domError('NotFoundError')) }).controller.start(1)).toMatchObject({ code: 'NO_MICROPHONE' });
    expect(await setup({ getUserMedia: () => Promise.reject(domError('OverconstrainedError')) }).controller.start(1)).toMatchObject({ code: 'NO_MICROPHONE' });
    const supported = FakeMediaRecorder.isTypeSupported;
    FakeMediaRecorder.isTypeSupported = () => false;
    try {
      expect(await setup().controller.start(1)).toMatchObject({ code: 'UNSUPPORTED' });
    } finally {
      FakeMediaRecorder.isTypeSupported = supported;
    }
  });

  it('discards the recording and reports DEVICE_LOST when the mic is unplugged', async () => {
    const { controller, events, stream } = setup();
    await controller.start(3);
    FakeMediaRecorder.last!.emit([1]);
    await settle();
    stream.track.dispatchEvent(new Event('ended'));
    await settle();
    expect(events).toEqual(['chunk 0 AQ==', 'error DEVICE_LOST']);
  });

  it('sends nothing more after a discard', async () => {
    const { controller, events } = setup();
    await controller.start(3);
    controller.stop(true);
    await settle();
    expect(events).toEqual([]);
  });
});

describe('permission page grant', () => {
  it('stops the tracks after a grant and explains what to do next', async () => {
    const stream = new FakeStream();
    const result = await grantMicrophone(async () => stream as unknown as MediaStream);
    expect(result.granted).toBe(true);
    expect(result.message).toMatch(/press the mic button again/);
    expect(stream.track.stopped).toBe(true);
  });

  it('explains how to unblock a denied microphone', async () => {
    const result = await grantMicrophone(() => Promise.reject(domError('NotAllowedError')));
    expect(result).toMatchObject({ granted: false, message: expect.stringMatching(/allow the microphone/) });
  });
});
