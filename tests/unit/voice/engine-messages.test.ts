import { describe, expect, it } from 'vitest';
import type { EngineEvent } from '../../../lib/messages.ts';
import type { EngineHost } from '../../../lib/voice/engine-host.ts';
import { listenForEngine, type EngineMessaging } from '../../../lib/voice/engine-messages.ts';

const RUNTIME_ID = 'parley@test';
const BACKGROUND = { id: RUNTIME_ID };
const CONTENT_SCRIPT = { id: RUNTIME_ID, tab: { id: 4 } };
const OTHER_EXTENSION = { id: 'other@test' };

/** The runtime messaging of one engine document: listeners by type, and what it sent. */
function setup(onEvent?: (event: EngineEvent) => void) {
  const handlers = new Map<string, (message: { data: unknown; sender: object }) => unknown>();
  const sent: Array<[string, unknown]> = [];
  const messaging = {
    onMessage(type: string, handler: (message: { data: unknown; sender: object }) => unknown) {
      handlers.set(type, handler);
      return () => handlers.delete(type);
    },
    async sendMessage(type: string, data: unknown) {
      sent.push([type, data]);
      return type === 'engineBeginTurn' ? 42 : undefined;
    },
  } as unknown as EngineMessaging;
  const calls: string[] = [];
  let hostDeps: Parameters<Parameters<typeof listenForEngine>[0]['createHost']>[0] | undefined;
  const fakeHost: EngineHost = {
    start: async (silenceMs, echoCancellation) => {
      calls.push(`start ${silenceMs} ${echoCancellation}`);
      return { ok: true };
    },
    stop: () => void calls.push('stop'),
    resume: async () => void calls.push('resume'),
    speak: (id, base64) => void calls.push(`speak ${id} ${base64}`),
    answerEnded: () => void calls.push('answerEnded'),
  };
  const engine = listenForEngine({
    messaging,
    runtimeId: RUNTIME_ID,
    createHost: (deps) => {
      hostDeps = deps;
      return fakeHost;
    },
    onEvent,
  });
  const deliver = (type: string, sender: object, data?: unknown) => {
    const handler = handlers.get(type);
    if (!handler) throw new Error(`no listener for ${type}`);
    return handler({ data, sender });
  };
  return { engine, handlers, sent, calls, deliver, hostDeps: () => hostDeps! };
}

describe('the voice engine behind runtime messages (offscreen document and Firefox window alike)', () => {
  it("carries out the background's commands and answers that it is ready", async () => {
    const s = setup();
    expect(await s.deliver('engineReady', BACKGROUND)).toBe(true);
    expect(await s.deliver('engineStart', BACKGROUND, { silenceMs: 900, echoCancellation: false })).toEqual({ ok: true });
    await s.deliver('engineSpeak', BACKGROUND, { id: '3:0', base64: 'AAA=' });
    await s.deliver('engineAnswerEnded', BACKGROUND);
    await s.deliver('engineResume', BACKGROUND);
    await s.deliver('engineStop', BACKGROUND);
    expect(s.calls).toEqual(['start 900 false', 'speak 3:0 AAA=', 'answerEnded', 'resume', 'stop']);
  });

  it('refuses the same commands from a content script or another extension', async () => {
    const s = setup();
    for (const sender of [CONTENT_SCRIPT, OTHER_EXTENSION]) {
      expect(await s.deliver('engineReady', sender)).toBe(false);
      expect(await s.deliver('engineStart', sender, { silenceMs: 800, echoCancellation: true })).toMatchObject({ ok: false, code: 'FAILED' });
      await s.deliver('engineSpeak', sender, { id: '3:0', base64: 'AAA=' });
      await s.deliver('engineStop', sender);
      await s.deliver('engineResume', sender);
      await s.deliver('engineAnswerEnded', sender);
    }
    expect(s.calls).toEqual([]);
  });

  it("sends the engine's turn audio, turn requests and events to the background, and shows events to the page", async () => {
    const seen: EngineEvent[] = [];
    const s = setup((event) => seen.push(event));
    const deps = s.hostDeps();
    expect(await deps.beginTurn()).toBe(42);
    await deps.sink.chunk({ turnId: 42, seq: 0, base64: 'AQI=' });
    await deps.sink.end({ turnId: 42, chunks: 1 });
    deps.event({ type: 'phase', phase: 'speaking' });
    expect(s.sent).toEqual([
      ['engineBeginTurn', undefined],
      ['recorderChunk', { turnId: 42, seq: 0, base64: 'AQI=' }],
      ['recorderEnd', { turnId: 42, chunks: 1 }],
      ['engineEvent', { type: 'phase', phase: 'speaking' }],
    ]);
    expect(seen).toEqual([{ type: 'phase', phase: 'speaking' }]);
  });

  it('dispose removes every listener and stops the engine (the microphone goes with it)', () => {
    const s = setup();
    expect(s.handlers.size).toBe(6);
    s.engine.dispose();
    expect(s.handlers.size).toBe(0);
    expect(s.calls).toEqual(['stop']);
  });
});
