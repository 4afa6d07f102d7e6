import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fakeBrowser } from 'wxt/testing/fake-browser';
import { bytesToBase64 } from '../../../lib/background/base64.ts';
import type { RecorderStartResult } from '../../../lib/recorder/recorder-host.ts';
import { createHarness, settleHarnesses } from './support/harness.ts';

const b64 = (...bytes: number[]) => bytesToBase64(new Uint8Array(bytes));
const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

describe('voice turns', () => {
  beforeEach(() => fakeBrowser.reset());
  afterEach(settleHarnesses);

  it('forwards slices in order as they arrive, then AudioEnd, and routes the transcript to the tab', async () => {
    const h = await createHarness();
    const tab = h.connect(1);
    tab.send({ type: 'startRecording' });
    await settle();
    const turnId = h.host.starts[0]!;
    expect(tab.of('recording').at(-1)?.recording.recording).toBe(true);

    h.voice.sink.chunk({ turnId, seq: 0, base64: b64(1) });
    expect(h.relay.sentOf('audioChunk')).toHaveLength(1); // streamed at once, not at the end
    h.voice.sink.chunk({ turnId, seq: 2, base64: b64(3) }); // arrives before 1
    h.voice.sink.chunk({ turnId, seq: 1, base64: b64(2) });
    tab.send({ type: 'stopRecording' });
    expect(h.host.stops).toEqual([false]);
    h.voice.sink.end({ turnId, chunks: 3 });

    expect(h.relay.sentOf('audioChunk').map((m) => [...m.data])).toEqual([[1], [2], [3]]);
    expect(h.relay.sent.at(-1)).toEqual({ type: 'audioEnd', turnId });
    h.fromRelay({ type: 'transcript', turnId, text: 'Hello' });
    expect(h.store.snapshot().entries[0]).toMatchObject({ role: 'user', content: 'Hello', voice: true });
  });

  it('replays the whole recording on a new connection when the socket reconnects mid-recording', async () => {
    const h = await createHarness();
    const tab = h.connect(1);
    tab.send({ type: 'startRecording' });
    await settle();
    const turnId = h.host.starts[0]!;
    h.voice.sink.chunk({ turnId, seq: 0, base64: b64(1) });
    h.relay.ready = false;
    h.voice.handleConnectionLost();
    h.voice.sink.chunk({ turnId, seq: 1, base64: b64(2) });
    h.relay.sent = [];
    h.relay.ready = true;
    h.voice.handleReady();
    expect(h.relay.sentOf('audioChunk').map((m) => [...m.data])).toEqual([[1], [2]]);
  });

  describe('conversation mode pauses (speculative transcription)', () => {
    const limits = (maxSpeculations?: number) => ({
      protocol: 1,
      resumed: false,
      historyLength: 0,
      limits: { maxTextChars: 8000, maxAudioBytes: 1e6, maxConcurrentTurns: 3, ...(maxSpeculations === undefined ? {} : { maxSpeculations }) },
    });
    async function engineTurn(maxSpeculations?: number) {
      const h = await createHarness();
      h.connect(1);
      h.relay.okInfo = () => limits(maxSpeculations);
      const turnId = h.voice.beginEngineTurn(1)!;
      return { h, turnId };
    }
    const kinds = (h: Awaited<ReturnType<typeof engineTurn>>['h']) =>
      h.relay.sent.map((m) => (m.type === 'speechPaused' ? `paused ${m.chunks}` : m.type === 'audioEnd' ? `end ${m.pause ?? '-'}` : m.type));

    it('sends SpeechPaused after the chunks it counts, and AudioEnd names it when the engine says it holds', async () => {
      const { h, turnId } = await engineTurn(3);
      h.voice.sink.chunk({ turnId, seq: 0, base64: b64(1) });
      // Chunk 1 is still on its way: the pause waits for it.
      h.voice.sink.pause?.({ turnId, chunks: 2 });
      h.voice.sink.chunk({ turnId, seq: 2, base64: b64(3) });
      expect(kinds(h)).toEqual(['audioChunk']);
      h.voice.sink.chunk({ turnId, seq: 1, base64: b64(2) });
      h.voice.sink.end({ turnId, chunks: 3, pause: 2 });
      expect(kinds(h)).toEqual(['audioChunk', 'audioChunk', 'paused 2', 'audioChunk', 'end 2']);
    });

    it('sends no pause to a relay that does not speculate (older, or PARLEY_STT_SPECULATIVE=off), and AudioEnd names none', async () => {
      for (const max of [undefined, 0]) {
        const { h, turnId } = await engineTurn(max);
        h.voice.sink.chunk({ turnId, seq: 0, base64: b64(1) });
        h.voice.sink.pause?.({ turnId, chunks: 1 });
        h.voice.sink.end({ turnId, chunks: 1, pause: 1 });
        expect(kinds(h)).toEqual(['audioChunk', 'end -']);
      }
    });

    it('stops at the relay\'s cap, and an end naming a pause the relay never heard of names none', async () => {
      const { h, turnId } = await engineTurn(1);
      h.voice.sink.chunk({ turnId, seq: 0, base64: b64(1) });
      h.voice.sink.pause?.({ turnId, chunks: 1 });
      h.voice.sink.chunk({ turnId, seq: 1, base64: b64(2) });
      h.voice.sink.pause?.({ turnId, chunks: 2 });
      h.voice.sink.end({ turnId, chunks: 2, pause: 2 });
      expect(kinds(h)).toEqual(['audioChunk', 'paused 1', 'audioChunk', 'end -']);
    });

    it('ignores pause counts that are not chunk counts', async () => {
      const { h, turnId } = await engineTurn(3);
      h.voice.sink.chunk({ turnId, seq: 0, base64: b64(1) });
      for (const chunks of [0, -1, 1.5, Number.NaN]) h.voice.sink.pause?.({ turnId, chunks });
      h.voice.sink.end({ turnId, chunks: 1, pause: 5 });
      expect(kinds(h)).toEqual(['audioChunk', 'end -']);
    });

    it('sends the latest pause again after its chunks when the socket reconnects', async () => {
      const { h, turnId } = await engineTurn(3);
      h.voice.sink.chunk({ turnId, seq: 0, base64: b64(1) });
      h.voice.sink.pause?.({ turnId, chunks: 1 });
      h.relay.ready = false;
      h.voice.handleConnectionLost();
      h.voice.sink.chunk({ turnId, seq: 1, base64: b64(2) });
      h.relay.sent = [];
      h.relay.ready = true;
      h.voice.handleReady();
      h.voice.sink.end({ turnId, chunks: 2, pause: 1 });
      expect(kinds(h)).toEqual(['audioChunk', 'paused 1', 'audioChunk', 'end 1']);
    });
  });

  it('opens the permission page and shows a clear message when the mic was never granted', async () => {
    const h = await createHarness();
    const tab = h.connect(1);
    h.host.result = { ok: false, code: 'PERMISSION_DENIED', message: 'Allow the microphone in the Parley tab.' };
    tab.send({ type: 'startRecording' });
    await settle();
    expect(h.permissionPages).toHaveLength(1);
    expect(tab.of('recording').at(-1)?.recording).toEqual({
      recording: false,
      error: { code: 'PERMISSION_DENIED', message: 'Allow the microphone in the Parley tab.' },
    });
  });

  it('discards a recording whose microphone was lost and tells the user', async () => {
    const h = await createHarness();
    const tab = h.connect(1);
    tab.send({ type: 'startRecording' });
    await settle();
    const turnId = h.host.starts[0]!;
    h.voice.sink.chunk({ turnId, seq: 0, base64: b64(1) });
    h.voice.sink.error({ turnId, code: 'DEVICE_LOST', message: 'The microphone stopped.' });
    expect(h.relay.sentOf('cancel')).toEqual([{ type: 'cancel', turnId }]);
    expect(h.relay.sentOf('audioEnd')).toEqual([]);
    expect(tab.of('recording').at(-1)?.recording.error?.code).toBe('DEVICE_LOST');
  });

  it('stops and discards the recording when its tab goes away', async () => {
    const h = await createHarness();
    const tab = h.connect(1);
    tab.send({ type: 'startRecording' });
    await settle();
    tab.close();
    expect(h.host.stops).toEqual([true]);
  });

  describe('push-to-talk start (issue 11)', () => {
    /** A recorder host whose start answers when the test says (the microphone takes ~2 s in Chromium here). */
    function holdStarts(h: Awaited<ReturnType<typeof createHarness>>) {
      const answers: ((result: RecorderStartResult) => void)[] = [];
      h.host.start = async (turnId: number) => {
        h.host.starts.push(turnId);
        return new Promise<RecorderStartResult>((resolve) => answers.push(resolve));
      };
      return answers;
    }

    it('shows "starting" until the recorder reports that it records, then recording from that moment', async () => {
      let clock = 1_000;
      const h = await createHarness({ now: () => clock });
      const answers = holdStarts(h);
      const tab = h.connect(1);
      tab.send({ type: 'startRecording' });
      await settle();
      expect(tab.of('recording').at(-1)?.recording).toEqual({ recording: true, starting: true });
      expect(h.voice.state(1)).toEqual({ recording: true, starting: true });
      clock = 3_000;
      answers[0]!({ ok: true });
      await settle();
      expect(tab.of('recording').at(-1)?.recording).toEqual({ recording: true, startedAt: 3_000 });
    });

    it('a failure to start shows a clear error and leaves nothing behind: the next press records', async () => {
      const h = await createHarness();
      const answers = holdStarts(h);
      const tab = h.connect(1);
      tab.send({ type: 'startRecording' });
      await settle();
      answers[0]!({ ok: false, code: 'NO_MICROPHONE', message: 'No microphone was found.' });
      await settle();
      expect(tab.of('recording').at(-1)?.recording).toEqual({ recording: false, error: { code: 'NO_MICROPHONE', message: 'No microphone was found.' } });
      expect(h.relay.sentOf('audioChunk')).toEqual([]);

      tab.send({ type: 'startRecording' });
      await settle();
      expect(tab.of('recording').at(-1)?.recording, 'a new press starts again, error cleared').toEqual({ recording: true, starting: true });
      answers[1]!({ ok: true });
      await settle();
      expect(tab.of('recording').at(-1)?.recording.startedAt).toBeTypeOf('number');
    });

    it('Stop while the microphone starts cancels: nothing is sent, and a recorder that started after all is stopped', async () => {
      const h = await createHarness();
      const answers = holdStarts(h);
      const tab = h.connect(1);
      tab.send({ type: 'startRecording' });
      await settle();
      tab.send({ type: 'stopRecording' });
      await settle();
      expect(tab.of('recording').at(-1)?.recording).toEqual({ recording: false });
      expect(h.host.stops, 'the recorder is told to discard').toEqual([true]);
      answers[0]!({ ok: true });
      await settle();
      expect(h.host.stops, 'and again once it answers that it started').toEqual([true, true]);
      expect(tab.of('recording').at(-1)?.recording).toEqual({ recording: false });
      expect(h.relay.sentOf('audioEnd')).toEqual([]);
      expect(h.relay.sentOf('cancel')).toEqual([]);
    });

    it('a late "started" from a cancelled press does not stop the newer recording', async () => {
      const h = await createHarness();
      const answers = holdStarts(h);
      const tab = h.connect(1);
      tab.send({ type: 'startRecording' });
      await settle();
      tab.send({ type: 'stopRecording' });
      tab.send({ type: 'startRecording' });
      await settle();
      answers[1]!({ ok: true });
      await settle();
      answers[0]!({ ok: true });
      await settle();
      expect(h.host.stops, 'only the cancel of the first press').toEqual([true]);
      expect(tab.of('recording').at(-1)?.recording.recording).toBe(true);
      expect(tab.of('recording').at(-1)?.recording.starting).toBeUndefined();
    });
  });
});
