import { describe, expect, it } from 'vitest';
import type { EngineEvent } from '../../../lib/messages.ts';
import { startEngineWindow } from '../../../lib/recorder/engine-window.ts';
import type { EngineHost } from '../../../lib/voice/engine-host.ts';
import type { EngineMessaging } from '../../../lib/voice/engine-messages.ts';

function setup() {
  document.body.innerHTML = '<span id="status">Starting the microphone…</span><p id="hint">push-to-talk text</p><button id="stop">Stop and send</button>';
  const sent: string[] = [];
  const messaging = {
    onMessage: () => () => undefined,
    sendMessage: async (type: string) => void sent.push(type),
  } as unknown as EngineMessaging;
  let report: ((event: EngineEvent) => void) | undefined;
  let title = '';
  const host: EngineHost = { start: async () => ({ ok: true }), stop: () => undefined, resume: async () => undefined, speak: () => undefined, answerEnded: () => undefined };
  const window = startEngineWindow({
    messaging,
    runtimeId: 'parley@test',
    createHost: (deps) => {
      report = deps.event;
      return host;
    },
    status: document.querySelector<HTMLElement>('#status'),
    hint: document.querySelector<HTMLElement>('#hint'),
    stopButton: document.querySelector<HTMLElement>('#stop'),
    body: document.body,
    setTitle: (next) => (title = next),
  });
  const status = () => document.querySelector('#status')?.textContent;
  return { window, sent, report: (event: EngineEvent) => report?.(event), status, title: () => title };
}

describe("Firefox's conversation window page", () => {
  it("says it is the conversation's window, hides push-to-talk's stop button and shows the engine's phase", () => {
    const s = setup();
    expect(s.title()).toBe('Parley conversation');
    expect(document.querySelector('#hint')?.textContent).toMatch(/Closing it ends the conversation/);
    expect(document.querySelector<HTMLButtonElement>('#stop')?.hidden).toBe(true);
    expect(s.status()).toMatch(/^Starting the conversation/);
    s.report({ type: 'phase', phase: 'listening' });
    expect(s.status()).toBe('Listening…');
    expect(document.body.dataset.state).toBe('recording');
    s.report({ type: 'echo', fullDuplex: false, reason: 'noEchoCancellation', residualDb: -100 });
    expect(document.querySelector('#hint')?.textContent).toMatch(/Use headphones to interrupt it/);
    expect(document.body.dataset.echo).toBe('noEchoCancellation -100');
    s.report({ type: 'phase', phase: 'speaking' });
    expect(s.status()).toBe('Speaking…');
    s.report({ type: 'phase', phase: 'paused' });
    expect(document.body.dataset.state).toBe('idle');
    // Every event still reaches the background.
    expect(s.sent.filter((type) => type === 'engineEvent')).toHaveLength(4);
  });
});
