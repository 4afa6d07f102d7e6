import { fakeBrowser } from 'wxt/testing/fake-browser';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createChatController, type ChatController } from '../../../lib/chat/chat-controller.svelte.ts';
import { draftItem } from '../../../lib/chat/storage-items.ts';
import { FakePort } from './support/fake-port.ts';

describe('createChatController', () => {
  let ports: FakePort[];
  let controller: ChatController;
  let invalidated: number;
  let closes: number;

  beforeEach(async () => {
    fakeBrowser.reset();
    vi.useFakeTimers();
    ports = [];
    invalidated = 0;
    closes = 0;
    controller = createChatController({
      connect: () => {
        const port = new FakePort();
        ports.push(port);
        return port;
      },
      onInvalidated: () => invalidated++,
      openOptions: () => undefined,
      close: (post) => {
        closes++;
        post({ type: 'close' });
      },
      now: () => Date.now(),
    });
  });
  afterEach(() => {
    controller.dispose();
    vi.useRealTimers();
  });

  it('restores the unsent draft', async () => {
    await draftItem.setValue('half a thought');
    await controller.init();
    expect(controller.state.draft).toBe('half a thought');
  });

  it('opens the port only on first open, then shows the snapshot', async () => {
    await controller.init();
    expect(ports).toHaveLength(0);
    controller.actions.setOpen(true);
    expect(ports[0]?.sent).toEqual([{ type: 'hello' }]);
    ports[0]?.deliver({
      type: 'snapshot',
      conversation: { clientId: 'c1', entries: [{ id: 'u1', role: 'user', content: 'Earlier', status: 'done', createdAt: 1 }] },
      status: { state: 'connected' },
      recording: { recording: false },
    });
    expect(controller.state.entries.map((e) => e.content)).toEqual(['Earlier']);
  });

  it('sends the draft, clears it and persists the empty draft', async () => {
    await controller.init();
    controller.actions.setOpen(true);
    controller.actions.setDraft('  What is the capital of France?  ');
    await vi.advanceTimersByTimeAsync(500);
    expect(await draftItem.getValue()).toBe('  What is the capital of France?  ');
    controller.actions.send();
    expect(ports[0]?.sent.at(-1)).toEqual({ type: 'send', text: 'What is the capital of France?' });
    expect(controller.state.draft).toBe('');
    await vi.advanceTimersByTimeAsync(500);
    expect(await draftItem.getValue()).toBe('');
  });

  it('does not send an empty draft', async () => {
    await controller.init();
    controller.actions.setOpen(true);
    controller.actions.setDraft('   ');
    controller.actions.send();
    expect(ports[0]?.sent).toEqual([{ type: 'hello' }]);
  });

  it('stop cancels the turn and shows what arrived at once', async () => {
    await controller.init();
    controller.actions.setOpen(true);
    const port = ports[0];
    port?.deliver({ type: 'conversation', conversation: { clientId: 'c1', entries: [{ id: 'a1', role: 'assistant', content: '', status: 'streaming', createdAt: 1 }] } });
    port?.deliver({ type: 'textChunk', entryId: 'a1', text: 'A partial answer' });
    controller.actions.stop();
    expect(port?.sent.at(-1)).toEqual({ type: 'cancel' });
    expect(controller.state.displayText(controller.state.entries[0]!)).toBe('A partial answer');
  });

  it('closing asks the background to hide the panel, over the port', async () => {
    await controller.init();
    controller.actions.setOpen(true);
    controller.actions.close();
    expect(closes).toBe(1);
    expect(ports[0]?.sent.at(-1)).toEqual({ type: 'close' });
  });

  it('maps the mic button to start/stop recording from the background state', async () => {
    await controller.init();
    controller.actions.setOpen(true);
    controller.actions.toggleRecording(true);
    expect(ports[0]?.sent.at(-1)).toEqual({ type: 'startRecording' });
    ports[0]?.deliver({ type: 'recording', recording: { recording: true, startedAt: Date.now() } });
    // Stopping is always allowed, whatever pressed the button.
    controller.actions.toggleRecording(false);
    expect(ports[0]?.sent.at(-1)).toEqual({ type: 'stopRecording' });
  });

  it('never starts recording from a synthetic press or on a covered panel', async () => {
    let uncovered = true;
    const guarded = createChatController({
      connect: () => {
        const port = new FakePort();
        ports.push(port);
        return port;
      },
      onInvalidated: () => undefined,
      openOptions: () => undefined,
      close: () => undefined,
      canStartRecording: () => uncovered,
    });
    await guarded.init();
    guarded.actions.setOpen(true);
    const port = ports.at(-1);
    vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    guarded.actions.toggleRecording(false);
    uncovered = false;
    guarded.actions.toggleRecording(true);
    expect(port?.sent).toEqual([{ type: 'hello' }]);
    uncovered = true;
    guarded.actions.toggleRecording(true);
    expect(port?.sent.at(-1)).toEqual({ type: 'startRecording' });
    guarded.dispose();
  });

  it('reconnects after the worker stopped while the panel is open', async () => {
    await controller.init();
    controller.actions.setOpen(true);
    ports[0]?.drop();
    expect(controller.state.status.state).toBe('reconnecting');
    await vi.advanceTimersByTimeAsync(10_000);
    expect(ports).toHaveLength(2);
    expect(ports[1]?.sent[0]).toEqual({ type: 'hello' });
  });
});
