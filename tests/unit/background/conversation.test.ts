import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fakeBrowser } from 'wxt/testing/fake-browser';
import { bytesToBase64 } from '../../../lib/background/base64.ts';
import { parseClipId } from '../../../lib/background/conversation.ts';
import { EngineHostError } from '../../../lib/recorder/recorder-host.ts';
import { createHarness, settleHarnesses } from './support/harness.ts';

const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

async function inConversation() {
  const h = await createHarness();
  const tab = h.connect(1);
  tab.send({ type: 'toggleConversation' });
  await settle();
  expect(h.engine.calls).toEqual(['start 800']);
  expect(h.host.holds).toBe(1);
  // The engine confirmed speech: the turn's audio then flows like a push-to-talk recording.
  const turnId = h.conversation.beginTurn();
  h.voice.sink.chunk({ turnId, seq: 0, base64: bytesToBase64(new Uint8Array([1, 2])) });
  h.voice.sink.end({ turnId, chunks: 1 });
  h.fromRelay({ type: 'transcript', turnId, text: 'What is the capital of France?' });
  return { h, tab, turnId };
}

describe('conversation mode in the background', () => {
  beforeEach(() => fakeBrowser.reset());
  afterEach(settleHarnesses);

  it('records engine turns, plays their answers in the engine and tells it when the turn ended', async () => {
    const { h, tab, turnId } = await inConversation();
    expect(h.host.starts).toEqual([]); // the engine records; the push-to-talk recorder is not started
    expect(h.relay.sent.map((m) => m.type)).toEqual(['audioChunk', 'audioEnd']);
    h.fromRelay({ type: 'textChunk', turnId, text: 'Paris.' });
    h.fromRelay({ type: 'speechAudio', turnId, index: 0, sentence: 'Paris.', audio: new Uint8Array([9]) });
    h.fromRelay({ type: 'textEnd', turnId });
    await settle();
    expect(h.engine.calls).toEqual(['start 800', `speak ${turnId}:0`, 'answerEnded']);
    // The panel still gets the sentence to type, without audio (the engine plays it).
    expect(tab.of('speech').at(-1)).toMatchObject({ sentence: 'Paris.', audioBase64: '' });
  });

  it('turns a barge-in into an Interrupt with what was heard and ends the answer', async () => {
    const { h, turnId } = await inConversation();
    h.fromRelay({ type: 'textChunk', turnId, text: 'Paris is the capital. It is large.' });
    h.conversation.handleEvent({ type: 'interrupt', heard: { id: `${turnId}:1`, fraction: 0.42 } });
    expect(h.relay.sent.at(-1)).toEqual({ type: 'interrupt', turnId, heard: { index: 1, permille: 420 } });
    expect(h.store.snapshot().entries.at(-1)).toMatchObject({ role: 'assistant', status: 'cancelled', content: 'Paris is the capital. It is large.' });
  });

  it('a barge-in before any audio played interrupts the answering turn with nothing heard', async () => {
    const { h, turnId } = await inConversation();
    h.conversation.handleEvent({ type: 'interrupt' });
    expect(h.relay.sent.at(-1)).toEqual({ type: 'interrupt', turnId, heard: { index: 0, permille: 0 } });
  });

  it('plays push-to-talk answers in the panel as before, and ending the conversation releases the engine', async () => {
    const h = await createHarness();
    const tab = h.connect(1);
    tab.send({ type: 'send', text: 'typed' });
    const turnId = h.relay.sentOf('userText')[0]!.turnId;
    h.fromRelay({ type: 'speechAudio', turnId, index: 0, sentence: 'Hi.', audio: new Uint8Array([7]) });
    expect(tab.of('speech').at(-1)?.audioBase64).toBe(bytesToBase64(new Uint8Array([7])));
    tab.send({ type: 'toggleConversation' });
    await settle();
    tab.send({ type: 'toggleConversation' });
    await settle();
    expect(h.engine.calls).toEqual(['start 800', 'stop']);
    expect(h.host.holds).toBe(0);
  });

  it('shows the panel its state, the half-duplex notice, and ends on the idle pause', async () => {
    const { h, tab } = await inConversation();
    expect(tab.of('conversationState')[0]?.conversation).toMatchObject({ active: true, phase: 'listening' });
    h.conversation.handleEvent({ type: 'echo', fullDuplex: false, reason: 'echoHeard', residualDb: -40 });
    h.conversation.handleEvent({ type: 'phase', phase: 'speaking' });
    h.conversation.handleEvent({ type: 'level', db: -33 });
    expect(tab.of('conversationState').at(-1)?.conversation).toMatchObject({ active: true, phase: 'speaking', levelDb: -33, halfDuplex: true });
    expect(tab.of('conversationState').at(-1)?.conversation.notice).toMatch(/headphones/);
    h.conversation.handleEvent({ type: 'paused', reason: 'noSpeech' });
    await settle();
    expect(tab.of('conversationState').at(-1)?.conversation).toMatchObject({ active: false, phase: 'off' });
    expect(tab.of('conversationState').at(-1)?.conversation.notice).toMatch(/Paused/);
    expect(h.engine.calls.at(-1)).toBe('stop');
    expect(h.host.holds).toBe(0);
  });

  it('tells the panel when each engine-played sentence starts, so it types in step, and drops the rest on barge-in', async () => {
    const { h, tab, turnId } = await inConversation();
    h.fromRelay({ type: 'textChunk', turnId, text: 'Paris. It is big.' });
    h.fromRelay({ type: 'speechAudio', turnId, index: 0, sentence: 'Paris.', audio: new Uint8Array([9]) });
    h.fromRelay({ type: 'speechAudio', turnId, index: 1, sentence: 'It is big.', audio: new Uint8Array([8]) });
    const entryId = tab.of('speech')[0]!.entryId;
    h.conversation.handleEvent({ type: 'clipStart', id: `${turnId}:0`, startedAt: 1000, durationMs: 640 });
    expect(tab.of('speechPlayed')).toEqual([{ type: 'speechPlayed', entryId, sentence: 'Paris.', durationMs: 640 }]);
    h.conversation.handleEvent({ type: 'interrupt', heard: { id: `${turnId}:0`, fraction: 0.5 } });
    expect(tab.of('speechDropped')).toEqual([{ type: 'speechDropped', entryId }]);
  });

  it("ends the conversation and says so when the engine's document goes away (Firefox: the user closed its window)", async () => {
    const { h, tab } = await inConversation();
    expect(h.host.onLost).toBeTypeOf('function');
    h.host.onLost?.();
    await settle();
    expect(tab.of('conversationState').at(-1)?.conversation).toMatchObject({ active: false, phase: 'off' });
    expect(tab.of('conversationState').at(-1)?.conversation.notice).toMatch(/window was closed/);
    expect(h.engine.calls.at(-1)).toBe('stop');
    expect(h.host.holds).toBe(0);
    expect(h.conversation.activeTab()).toBeUndefined();
  });

  it('opens the one-time permission page when the engine may not use the microphone yet, from the host or the engine', async () => {
    const h = await createHarness();
    const tab = h.connect(1);
    h.host.holdError = new EngineHostError('PERMISSION_DENIED', 'Parley may not use the microphone yet.');
    tab.send({ type: 'toggleConversation' });
    await settle();
    expect(h.permissionPages).toHaveLength(1);
    expect(tab.of('conversationState').at(-1)?.conversation).toMatchObject({ active: false, phase: 'off' });
    expect(tab.of('conversationState').at(-1)?.conversation.notice).toMatch(/could not start: Parley may not use the microphone/);

    // Chrome's offscreen engine reports the same through engineStart.
    h.host.holdError = undefined;
    h.engine.result = { ok: false, code: 'PERMISSION_DENIED', message: 'Parley may not use the microphone yet.' };
    tab.send({ type: 'toggleConversation' });
    await settle();
    expect(h.permissionPages).toHaveLength(2);
    expect(h.host.holds).toBe(0);

    // Other failures do not send the user to a permission page.
    h.engine.result = { ok: false, code: 'NO_MICROPHONE', message: 'No microphone was found.' };
    tab.send({ type: 'toggleConversation' });
    await settle();
    expect(h.permissionPages).toHaveLength(2);
  });

  it('parses clip ids strictly', () => {
    expect(parseClipId('12:3')).toEqual({ turnId: 12, index: 3 });
    expect(parseClipId('12:x')).toBeUndefined();
    expect(parseClipId('__proto__')).toBeUndefined();
  });
});
