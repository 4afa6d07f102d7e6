import type { EngineEvent } from '../messages.ts';
import type { EngineHost } from '../voice/engine-host.ts';
import { listenForEngine, type EngineMessaging } from '../voice/engine-messages.ts';

/**
 * Firefox's conversation window (recorder.html?engine=1): the voice engine of conversation mode,
 * the same one Chrome runs in its offscreen document (lib/voice/engine-messages.ts). It stays open
 * while the conversation runs, because Firefox removes from the microphone only what this same
 * window plays (docs/conversation-mode.md): the answers play here. The page shows what the engine
 * is doing; closing it ends the conversation (the background sees the window go).
 */
export interface EngineWindowOptions {
  messaging: EngineMessaging;
  runtimeId: string;
  createHost: Parameters<typeof listenForEngine>[0]['createHost'];
  status: HTMLElement | null;
  hint: HTMLElement | null;
  stopButton: HTMLElement | null;
  body: HTMLElement;
  setTitle: (title: string) => void;
}

const PHASE_TEXT: Record<Extract<EngineEvent, { type: 'phase' }>['phase'], string> = {
  off: 'Conversation ended.',
  listening: 'Listening…',
  capturing: 'Listening…',
  userTurn: 'Hearing you…',
  thinking: 'Thinking…',
  speaking: 'Speaking…',
  paused: 'Paused.',
};

export function startEngineWindow(options: EngineWindowOptions): { host: EngineHost; dispose: () => void } {
  const { status, body } = options;
  options.setTitle('Parley conversation');
  if (options.hint) {
    options.hint.textContent =
      'Parley listens and speaks in this small window while your conversation runs (Firefox lets only a visible Parley page use the microphone). Closing it ends the conversation.';
  }
  // Push-to-talk's "Stop and send" has no meaning here: the conversation ends from the chat panel.
  if (options.stopButton) options.stopButton.hidden = true;
  const show = (state: string, text: string) => {
    body.dataset.state = state;
    if (status) status.textContent = text;
  };
  show('starting', 'Starting the conversation…');
  return listenForEngine({
    messaging: options.messaging,
    runtimeId: options.runtimeId,
    createHost: options.createHost,
    onEvent: (event) => {
      if (event.type === 'phase') show(event.phase === 'off' || event.phase === 'paused' ? 'idle' : 'recording', PHASE_TEXT[event.phase]);
      // What the self-check measured, for whoever inspects the window (and the E2E test).
      if (event.type === 'echo') body.dataset.echo = `${event.reason} ${Math.round(event.residualDb)}`;
      if (event.type === 'echo' && !event.fullDuplex && options.hint) {
        options.hint.textContent = 'Parley can hear its own voice here, so it does not listen while it speaks. Use headphones to interrupt it.';
      }
    },
  });
}
