import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fakeBrowser } from 'wxt/testing/fake-browser';
import { createHarness, settleHarnesses } from './support/harness.ts';

const flushMicrotasks = () => new Promise((resolve) => setTimeout(resolve, 0));

describe('turns and tab routing', () => {
  beforeEach(() => fakeBrowser.reset());
  afterEach(settleHarnesses);

  it('sends a text turn and streams its answer only to the tab that asked', async () => {
    const h = await createHarness();
    const tabA = h.connect(1);
    const tabB = h.connect(2);
    tabA.send({ type: 'send', text: '  What is 2+2?  ' });

    const [userText] = h.relay.sentOf('userText');
    expect(userText?.text).toBe('What is 2+2?');
    expect(userText?.turnId).not.toBe(0);
    h.fromRelay({ type: 'textChunk', turnId: userText!.turnId, text: 'Four' });
    h.fromRelay({ type: 'textEnd', turnId: userText!.turnId });

    expect(tabA.of('textChunk').map((m) => m.text)).toEqual(['Four']);
    expect(tabB.of('textChunk')).toEqual([]);
    const final = tabB.of('conversation').at(-1)?.conversation.entries;
    expect(final?.map((e) => [e.role, e.content, e.status])).toEqual([
      ['user', 'What is 2+2?', 'done'],
      ['assistant', 'Four', 'done'],
    ]);
  });

  it('never mixes two tabs whose turns stream at the same time', async () => {
    const h = await createHarness();
    const tabA = h.connect(1);
    const tabB = h.connect(2);
    tabA.send({ type: 'send', text: 'A?' });
    tabB.send({ type: 'send', text: 'B?' });
    const [turnA, turnB] = h.relay.sentOf('userText');
    expect(turnA?.turnId).not.toBe(turnB?.turnId);

    h.fromRelay({ type: 'textChunk', turnId: turnB!.turnId, text: 'b1 ' });
    h.fromRelay({ type: 'textChunk', turnId: turnA!.turnId, text: 'a1 ' });
    h.fromRelay({ type: 'speechAudio', turnId: turnA!.turnId, index: 0, sentence: 'a1', audio: new Uint8Array([1, 2, 3]) });
    h.fromRelay({ type: 'textChunk', turnId: turnB!.turnId, text: 'b2' });
    h.fromRelay({ type: 'textEnd', turnId: turnA!.turnId });
    h.fromRelay({ type: 'textEnd', turnId: turnB!.turnId });

    expect(tabA.of('textChunk').map((m) => m.text)).toEqual(['a1 ']);
    expect(tabB.of('textChunk').map((m) => m.text)).toEqual(['b1 ', 'b2']);
    expect(tabA.of('speech')).toHaveLength(1);
    expect(tabA.of('speech')[0]?.audioBase64).toBe('AQID');
    expect(tabB.of('speech')).toEqual([]);
    const entries = h.store.snapshot().entries.map((e) => `${e.role}:${e.content}`);
    expect(entries).toEqual(['user:A?', 'assistant:a1 ', 'user:B?', 'assistant:b1 b2']);
  });

  it('queues a second message from the same tab as pending until the first answer ends', async () => {
    const h = await createHarness();
    const tab = h.connect(1);
    tab.send({ type: 'send', text: 'first' });
    tab.send({ type: 'send', text: 'second' });
    expect(h.relay.sentOf('userText').map((m) => m.text)).toEqual(['first']);
    expect(h.store.snapshot().entries.find((e) => e.content === 'second')?.status).toBe('pending');

    h.fromRelay({ type: 'textEnd', turnId: h.relay.sentOf('userText')[0]!.turnId });
    expect(h.relay.sentOf('userText').map((m) => m.text)).toEqual(['first', 'second']);
  });

  it('cancels the tab’s turn in flight when its port disconnects (tab closed or navigated)', async () => {
    const h = await createHarness();
    const tabA = h.connect(1);
    const tabB = h.connect(2);
    tabA.send({ type: 'send', text: 'A?' });
    tabB.send({ type: 'send', text: 'B?' });
    const [turnA, turnB] = h.relay.sentOf('userText');
    h.fromRelay({ type: 'textChunk', turnId: turnA!.turnId, text: 'partial' });

    tabA.close();
    await flushMicrotasks();
    expect(h.relay.sentOf('cancel')).toEqual([{ type: 'cancel', turnId: turnA!.turnId }]);
    // Late frames of the cancelled turn go nowhere; tab B's turn is untouched.
    h.fromRelay({ type: 'textChunk', turnId: turnA!.turnId, text: 'late' });
    h.fromRelay({ type: 'textChunk', turnId: turnB!.turnId, text: 'B answer' });
    expect(tabB.of('textChunk').map((m) => m.text)).toEqual(['B answer']);
    const answerA = h.store.snapshot().entries.find((e) => e.content.startsWith('partial'));
    expect(answerA).toMatchObject({ content: 'partial', status: 'cancelled' });
  });

  it('stop generating cancels only that tab’s turn; CANCELLED from the relay is not an error', async () => {
    const h = await createHarness();
    const tab = h.connect(1);
    tab.send({ type: 'send', text: 'Long story please' });
    const [turn] = h.relay.sentOf('userText');
    h.fromRelay({ type: 'textChunk', turnId: turn!.turnId, text: 'Once upon' });
    tab.send({ type: 'cancel' });
    h.fromRelay({ type: 'error', turnId: turn!.turnId, error: { code: 'CANCELLED', message: 'Cancelled', retryable: false } });
    expect(h.store.snapshot().entries.map((e) => e.status)).toEqual(['done', 'cancelled']);
  });

  it('keeps messages typed while the relay is down as pending and sends them after reconnect', async () => {
    const h = await createHarness();
    h.relay.ready = false;
    const tab = h.connect(1);
    tab.send({ type: 'send', text: 'while down' });
    expect(h.relay.sent).toEqual([]);
    expect(h.relay.ensureCalls).toBeGreaterThan(0);
    expect(h.store.snapshot().entries[0]?.status).toBe('pending');

    h.relay.ready = true;
    h.turns.pump(); // what the relay's `ready` event does
    expect(h.relay.sentOf('userText').map((m) => m.text)).toEqual(['while down']);
  });

  it('puts upstream errors on the user message, and retry re-sends it without duplicating it', async () => {
    const h = await createHarness();
    const tab = h.connect(1);
    tab.send({ type: 'send', text: 'Hello?' });
    const [first] = h.relay.sentOf('userText');
    h.fromRelay({ type: 'error', turnId: first!.turnId, error: { code: 'UPSTREAM_UNAVAILABLE', message: 'OpenAI is down', retryable: true } });
    const [user] = h.store.snapshot().entries;
    expect(h.store.snapshot().entries).toHaveLength(1);
    expect(user).toMatchObject({ status: 'error', error: { code: 'UPSTREAM_UNAVAILABLE', retryable: true } });

    tab.send({ type: 'retry', entryId: user!.id });
    const [, second] = h.relay.sentOf('userText');
    expect(second?.text).toBe('Hello?');
    expect(second?.turnId).not.toBe(first?.turnId);
    expect(h.store.snapshot().entries.filter((e) => e.role === 'user')).toHaveLength(1);
  });

  it('marks a turn cut by a lost connection as an error with Retry, and sends nothing twice', async () => {
    const h = await createHarness();
    const tab = h.connect(1);
    tab.send({ type: 'send', text: 'Q' });
    h.relay.ready = false;
    h.turns.handleConnectionLost();
    expect(h.store.snapshot().entries).toEqual([expect.objectContaining({ content: 'Q', status: 'error', error: expect.objectContaining({ code: 'CONNECTION_LOST', retryable: true }) })]);
    h.relay.ready = true;
    h.turns.pump();
    expect(h.relay.sentOf('userText')).toHaveLength(1);
  });

  it('takes a late TURN_LOST for a turn the dropped socket already ended as nothing new, and Retry sends the question again', async () => {
    const h = await createHarness();
    const tab = h.connect(1);
    tab.send({ type: 'send', text: 'Q' });
    const [lost] = h.relay.sentOf('userText');
    h.relay.ready = false;
    h.turns.handleConnectionLost();
    h.relay.ready = true;
    // The relay instance that ran the turn died; the one the extension reconnected to reports it.
    h.fromRelay({ type: 'error', turnId: lost!.turnId, error: { code: 'TURN_LOST', message: 'The relay stopped while it was answering your last message, so the answer is lost; send the message again.', retryable: true } });
    const user = h.store.snapshot().entries[0];
    expect(h.store.snapshot().entries).toEqual([expect.objectContaining({ content: 'Q', status: 'error', error: expect.objectContaining({ code: 'CONNECTION_LOST', retryable: true }) })]);
    tab.send({ type: 'retry', entryId: user!.id });
    const [, again] = h.relay.sentOf('userText');
    expect(again).toMatchObject({ text: 'Q' });
    expect(again?.turnId).not.toBe(lost?.turnId);
    h.fromRelay({ type: 'textChunk', turnId: again!.turnId, text: 'A' });
    h.fromRelay({ type: 'textEnd', turnId: again!.turnId });
    expect(h.store.snapshot().entries.map((e) => [e.role, e.content, e.status])).toEqual([
      ['user', 'Q', 'done'],
      ['assistant', 'A', 'done'],
    ]);
  });

  it('gives pending messages an error when retrying stops (wrong token)', async () => {
    const h = await createHarness();
    h.relay.ready = false;
    const tab = h.connect(1);
    tab.send({ type: 'send', text: 'Q' });
    h.turns.handleGaveUp('The relay refused the token.');
    expect(h.store.snapshot().entries[0]).toMatchObject({ status: 'error', error: { message: 'The relay refused the token.', retryable: true } });
  });

  it('a voice turn becomes the user entry from its transcript, marked voice', async () => {
    const h = await createHarness();
    const tab = h.connect(1);
    h.turns.beginVoiceTurn(1, 42);
    h.fromRelay({ type: 'transcript', turnId: 42, text: 'What is the capital of France?' });
    h.fromRelay({ type: 'textChunk', turnId: 42, text: 'Paris.' });
    h.fromRelay({ type: 'textEnd', turnId: 42 });
    expect(h.store.snapshot().entries).toMatchObject([
      { role: 'user', content: 'What is the capital of France?', voice: true, status: 'done' },
      { role: 'assistant', content: 'Paris.', status: 'done' },
    ]);
    expect(tab.of('textChunk')).toHaveLength(1);
  });

  it('shows a streamed transcript live in the turn’s tab only, then replaces it with the final message', async () => {
    const h = await createHarness();
    const tab = h.connect(1);
    const other = h.connect(2);
    h.turns.beginVoiceTurn(1, 42);
    h.fromRelay({ type: 'transcriptPartial', turnId: 42, text: 'What is' });
    h.fromRelay({ type: 'transcriptPartial', turnId: 42, text: 'What is the capital' });
    // Nothing is stored while the words come: only the final transcript becomes a message.
    expect(h.store.snapshot().entries).toEqual([]);
    h.fromRelay({ type: 'transcript', turnId: 42, text: 'What is the capital of France?' });
    expect(tab.of('liveTranscript').map((m) => m.text)).toEqual(['What is', 'What is the capital', null]);
    expect(other.of('liveTranscript')).toEqual([]);
    // The live text is cleared before the message that replaces it arrives.
    const kinds = tab.received.map((m) => m.type);
    expect(kinds.lastIndexOf('liveTranscript')).toBeLessThan(kinds.lastIndexOf('conversation'));
    expect(h.store.snapshot().entries[0]).toMatchObject({ role: 'user', content: 'What is the capital of France?', voice: true });
    // Late partials of a turn that has its transcript are ignored.
    h.fromRelay({ type: 'transcriptPartial', turnId: 42, text: 'What' });
    expect(tab.of('liveTranscript')).toHaveLength(3);
  });

  it('clears a live transcript when its turn fails, is cancelled or the chat is reset', async () => {
    const h = await createHarness();
    const tab = h.connect(1);
    h.turns.beginVoiceTurn(1, 42);
    h.fromRelay({ type: 'transcriptPartial', turnId: 42, text: 'What is' });
    h.fromRelay({ type: 'error', turnId: 42, error: { code: 'UPSTREAM_UNAVAILABLE', message: 'The connection to OpenAI broke.', retryable: true } });
    expect(tab.of('liveTranscript').map((m) => m.text)).toEqual(['What is', null]);

    h.turns.beginVoiceTurn(1, 43);
    h.fromRelay({ type: 'transcriptPartial', turnId: 43, text: 'Tell me' });
    tab.send({ type: 'newChat' });
    expect(tab.of('liveTranscript').map((m) => m.text)).toEqual(['What is', null, 'Tell me', null]);

    // A turn that never streamed has nothing to clear.
    h.turns.beginVoiceTurn(1, 44);
    h.fromRelay({ type: 'transcript', turnId: 44, text: 'Hello' });
    expect(tab.of('liveTranscript')).toHaveLength(4);
  });

  it('new chat cancels turns in flight and starts a fresh session', async () => {
    const h = await createHarness();
    const tab = h.connect(1);
    const oldId = h.store.snapshot().clientId;
    tab.send({ type: 'send', text: 'Q' });
    tab.send({ type: 'newChat' });
    expect(h.relay.sentOf('cancel')).toHaveLength(1);
    expect(h.store.snapshot().entries).toEqual([]);
    expect(h.store.snapshot().clientId).not.toBe(oldId);
    expect(h.relay.restarts).toBe(1);
  });

  it('recovers answers left streaming by a stopped worker as retryable errors', async () => {
    const h = await createHarness();
    h.store.add({ id: 'u', role: 'user', content: 'Q', status: 'done', createdAt: 0 });
    h.store.add({ id: 'a', role: 'assistant', content: 'half', status: 'streaming', createdAt: 0 });
    h.turns.recoverInterrupted();
    expect(h.store.get('u')).toMatchObject({ status: 'error', error: { retryable: true } });
    expect(h.store.get('a')?.status).toBe('error');
  });
});
