import { flushSync, mount, unmount } from 'svelte';
import { fakeBrowser } from 'wxt/testing/fake-browser';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import ChatPanel from '../../../components/chat/ChatPanel.svelte';
import type { ChatActions } from '../../../lib/chat/chat-controller.svelte.ts';
import { ChatState } from '../../../lib/chat/chat-state.svelte.ts';

function recordingActions(calls: string[]): ChatActions {
  const record = (name: string) => (...args: unknown[]) => void calls.push([name, ...args.map(String)].join(':'));
  return {
    setOpen: record('setOpen'),
    setDraft: record('setDraft'),
    send: record('send'),
    retry: record('retry'),
    stop: record('stop'),
    newChat: record('newChat'),
    toggleRecording: record('toggleRecording'),
    toggleConversation: record('toggleConversation'),
    discardRecording: record('discardRecording'),
    toggleMute: record('toggleMute'),
    revealAll: record('revealAll'),
    close: record('close'),
    openOptions: record('openOptions'),
    reconnect: record('reconnect'),
    attachPage: record('attachPage'),
    attachSelection: record('attachSelection'),
    removeAttachment: record('removeAttachment'),
    togglePreview: record('togglePreview'),
    readPage: record('readPage'),
    readSelection: record('readSelection'),
    pauseReading: record('pauseReading'),
    resumeReading: record('resumeReading'),
    stopReading: record('stopReading'),
    allowSite: async () => void calls.push('allowSite'),
    dismissSiteAccess: record('dismissSiteAccess'),
  };
}

describe('ChatPanel', () => {
  let target: HTMLElement;
  let app: Record<string, unknown> | undefined;
  let calls: string[];
  let chat: ChatState;
  let closed: number;

  beforeEach(() => {
    fakeBrowser.reset();
    target = document.createElement('div');
    document.body.append(target);
    calls = [];
    closed = 0;
    chat = new ChatState();
  });
  afterEach(() => {
    if (app) void unmount(app);
    app = undefined;
    target.remove();
  });

  function render() {
    app = mount(ChatPanel, {
      target,
      props: { chat, actions: recordingActions(calls), onClose: () => closed++ },
    });
    flushSync();
  }
  const button = (name: string) => target.querySelector<HTMLButtonElement>(`button[aria-label="${name}"]`);
  const buttonByText = (text: string) => [...target.querySelectorAll('button')].find((b) => b.textContent?.trim() === text);

  it('shows the welcome message first and disables Send for an empty message', () => {
    render();
    const log = target.querySelector('[role="log"]');
    expect(log?.getAttribute('aria-live')).toBe('polite');
    expect(log?.firstElementChild?.textContent?.trim()).toBe('Hello. How can I help you today?');
    expect(button('Send')?.disabled).toBe(true);
    expect(button('Record voice')).not.toBeNull();
    expect(button('Close chat')).not.toBeNull();
    expect(buttonByText('New chat')).toBeDefined();
    // Nothing in flight: no Stop button.
    expect(button('Stop')).toBeNull();
    const textarea = target.querySelector('textarea');
    expect(target.querySelector(`label[for="${textarea?.id}"]`)?.textContent).toBe('Message');
  });

  it('offers Start conversation, then shows its state, input level and the half-duplex notice', () => {
    render();
    buttonByText('Start conversation')?.click();
    expect(calls).toContain('toggleConversation:false');
    chat.conversation = {
      active: true,
      phase: 'speaking',
      levelDb: -40,
      halfDuplex: true,
      notice: 'Parley can hear its own voice here, so it will not listen while it speaks. Use headphones to interrupt it.',
    };
    flushSync();
    expect(buttonByText('End conversation')).toBeDefined();
    expect(target.querySelector('.conversation [role="status"]')?.textContent).toBe('Speaking');
    expect(target.querySelector<HTMLMeterElement>('meter[aria-label="Microphone level"]')?.getAttribute('value')).toBe('50');
    expect(target.querySelector('.conversation [role="note"]')?.textContent).toMatch(/headphones/);
    chat.conversation = { active: true, phase: 'thinking' };
    flushSync();
    expect(target.querySelector('.conversation [role="status"]')?.textContent).toBe('Thinking');
  });

  it('enables Send with text; Enter sends, Shift+Enter does not', () => {
    chat.draft = 'Hi there';
    render();
    expect(button('Send')?.disabled).toBe(false);
    const textarea = target.querySelector('textarea');
    textarea?.dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter', shiftKey: true, bubbles: true }));
    expect(calls).not.toContain('send');
    textarea?.dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter', bubbles: true }));
    expect(calls).toContain('send');
  });

  it('renders user text as text and assistant markdown sanitised', () => {
    chat.apply(
      {
        type: 'conversation',
        conversation: {
          clientId: 'c1',
          entries: [
            { id: 'u1', role: 'user', content: '<b>not bold</b>', status: 'done', createdAt: 1 },
            { id: 'a1', role: 'assistant', content: '**bold** <img src=x onerror="alert(1)">', status: 'done', createdAt: 2 },
          ],
        },
      },
      0,
    );
    render();
    expect(target.querySelector('b')).toBeNull();
    expect(target.textContent).toContain('<b>not bold</b>');
    expect(target.querySelector('strong')?.textContent).toBe('bold');
    expect(target.querySelector('img')).toBeNull();
  });

  it('shows the words of a voice turn as they are transcribed, as text, until the final message replaces them', () => {
    render();
    const log = () => target.querySelector('[role="log"]');
    chat.apply({ type: 'liveTranscript', text: 'What is <img src=x onerror="alert(1)"> the' }, 0);
    flushSync();
    const live = log()?.querySelector('.message.user[aria-busy="true"]');
    expect(live?.querySelector('.bubble')?.textContent).toBe('What is <img src=x onerror="alert(1)"> the');
    expect(live?.textContent).toContain('Transcribing…');
    expect(target.querySelector('img')).toBeNull();

    chat.apply({ type: 'liveTranscript', text: 'What is the capital' }, 0);
    flushSync();
    expect(log()?.querySelector('.message.user[aria-busy="true"] .bubble')?.textContent).toBe('What is the capital');
    expect(log()?.querySelectorAll('.message.user')).toHaveLength(1);

    chat.apply({ type: 'liveTranscript', text: null }, 0);
    chat.apply(
      {
        type: 'conversation',
        conversation: { clientId: 'c1', entries: [{ id: 'u1', role: 'user', content: 'What is the capital of France?', status: 'done', voice: true, createdAt: 1 }] },
      },
      0,
    );
    flushSync();
    const users = [...(log()?.querySelectorAll('.message.user') ?? [])];
    expect(users.map((u) => u.querySelector('.bubble')?.textContent)).toEqual(['What is the capital of France?']);
    expect(users[0]?.getAttribute('aria-busy')).toBe('false');
    expect(target.textContent).not.toContain('Transcribing…');
  });

  it('offers Retry on a failed message and Stop while an answer streams', () => {
    chat.apply(
      {
        type: 'conversation',
        conversation: {
          clientId: 'c1',
          entries: [
            { id: 'u1', role: 'user', content: 'Hi', status: 'error', error: { code: 'CONNECTION_LOST', message: 'Lost', retryable: true }, createdAt: 1 },
            { id: 'a1', role: 'assistant', content: '', status: 'streaming', createdAt: 2 },
          ],
        },
      },
      0,
    );
    render();
    buttonByText('Retry')?.click();
    expect(calls).toContain('retry:u1');
    button('Stop')?.click();
    expect(calls).toContain('stop');
  });

  it('Escape closes, or discards while recording; the mic shows elapsed time', () => {
    render();
    target.querySelector('textarea')?.dispatchEvent(new KeyboardEvent('keydown', { key: 'Escape', bubbles: true }));
    expect(closed).toBe(1);
    chat.recording = { recording: true, startedAt: 1_000 };
    chat.now = 66_000;
    flushSync();
    expect(button('Stop recording')).not.toBeNull();
    expect(target.querySelector('time')?.textContent).toBe('01:05');
    target.querySelector('textarea')?.dispatchEvent(new KeyboardEvent('keydown', { key: 'Escape', bubbles: true }));
    expect(calls).toContain('discardRecording');
    expect(closed).toBe(1);
  });

  it('says "Starting microphone…" until the recorder records, and only then "Recording" and Stop (issue 11)', () => {
    render();
    chat.recording = { recording: true, starting: true };
    chat.now = 66_000;
    flushSync();
    const status = () => target.querySelector('.rec-status')?.textContent ?? '';
    expect(status()).toContain('Starting microphone');
    expect(status()).not.toMatch(/Recording \d/);
    expect(button('Stop recording'), 'no "Stop recording" before it records').toBeNull();
    button('Cancel recording')?.click();
    expect(calls.some((call) => call.startsWith('toggleRecording'))).toBe(true);

    chat.recording = { recording: true, startedAt: 65_000 };
    flushSync();
    expect(status()).toContain('Recording 00:01');
    expect(button('Stop recording')).not.toBeNull();
    expect(button('Cancel recording')).toBeNull();
  });

  it('names the connection state and the mute control', () => {
    chat.status = { state: 'unauthorized', detail: 'Wrong token' };
    render();
    expect(target.querySelector('[role="status"]')?.textContent).toContain('Wrong token: open options');
    button('Mute spoken answer')?.click();
    expect(calls).toContain('toggleMute');
  });
});
