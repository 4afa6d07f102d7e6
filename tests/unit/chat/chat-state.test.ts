import { beforeEach, describe, expect, it } from 'vitest';
import type { BackgroundToContent, ChatEntry, Conversation } from '../../../lib/messages.ts';
import { ChatState } from '../../../lib/chat/chat-state.svelte.ts';

const user = (id: string, content: string, status: ChatEntry['status'] = 'done'): ChatEntry => ({ id, role: 'user', content, status, createdAt: 1 });
const answer = (id: string, content: string, status: ChatEntry['status'] = 'streaming'): ChatEntry => ({ id, role: 'assistant', content, status, createdAt: 2 });
const conversation = (entries: ChatEntry[], clientId = 'c1'): BackgroundToContent => ({ type: 'conversation', conversation: { clientId, entries } });
const snapshot = (conv: Conversation): BackgroundToContent => ({
  type: 'snapshot',
  conversation: conv,
  status: { state: 'connected' },
  recording: { recording: false },
});

describe('ChatState', () => {
  let state: ChatState;
  beforeEach(() => {
    state = new ChatState();
    state.prefs = { typingEffect: true, reducedMotion: false, speech: false, audio: true };
  });

  it('takes conversation, status and recording from a snapshot', () => {
    state.apply(snapshot({ clientId: 'c1', entries: [user('u1', 'Hi'), answer('a1', 'Hello!', 'done')] }), 0);
    expect(state.entries.map((e) => e.content)).toEqual(['Hi', 'Hello!']);
    expect(state.status.state).toBe('connected');
    expect(state.recording.recording).toBe(false);
    // Entries from storage are not retyped.
    expect(state.displayText(state.entries[1]!)).toBe('Hello!');
    expect(state.busy).toBe(false);
  });

  it('types streamed chunks at 40 ms per character without speech, then shows the final text', () => {
    state.apply(snapshot({ clientId: 'c1', entries: [user('u1', 'Hi')] }), 0);
    state.apply(conversation([user('u1', 'Hi'), answer('a1', '')]), 0);
    state.apply({ type: 'textChunk', entryId: 'a1', text: 'Hello' }, 0);
    state.apply({ type: 'textChunk', entryId: 'a1', text: ' there' }, 10);
    expect(state.busy).toBe(true);
    state.tick(0);
    expect(state.displayText(state.entries[1]!)).toBe('H');
    state.tick(81);
    expect(state.displayText(state.entries[1]!)).toBe('Hel');
    state.apply(conversation([user('u1', 'Hi'), answer('a1', 'Hello there', 'done')]), 100);
    expect(state.tick(199)).toBe(true); // " there" starts when "Hello" ends, at 200
    expect(state.displayText(state.entries[1]!)).toBe('Hello');
    expect(state.tick(10_000)).toBe(false);
    expect(state.displayText(state.entries[1]!)).toBe('Hello there');
    expect(state.busy).toBe(false);
  });

  it('keeps chunks that arrived after the background took its copy', () => {
    state.apply(conversation([answer('a1', '')]), 0);
    state.apply({ type: 'textChunk', entryId: 'a1', text: 'One ' }, 0);
    state.apply({ type: 'textChunk', entryId: 'a1', text: 'two' }, 0);
    state.apply(conversation([answer('a1', 'One ')]), 0);
    expect(state.entries[0]?.content).toBe('One two');
  });

  it('creates the entry when a chunk overtakes its conversation update', () => {
    state.apply({ type: 'textChunk', entryId: 'a9', text: 'Early' }, 0);
    expect(state.entries).toHaveLength(1);
    expect(state.entries[0]).toMatchObject({ id: 'a9', role: 'assistant', content: 'Early', status: 'streaming' });
  });

  it('shows everything at once when the typing effect is off or motion is reduced', () => {
    state.prefs = { typingEffect: true, reducedMotion: true, speech: true, audio: true };
    state.apply(conversation([answer('a1', '')]), 0);
    state.apply({ type: 'textChunk', entryId: 'a1', text: 'All at once.' }, 0);
    state.tick(0);
    expect(state.displayText(state.entries[0]!)).toBe('All at once.');
  });

  it('with speech, waits for each sentence audio and types it over the audio duration', () => {
    state.prefs = { typingEffect: true, reducedMotion: false, speech: true, audio: true };
    state.apply(conversation([answer('a1', '')]), 0);
    state.apply({ type: 'textChunk', entryId: 'a1', text: 'Paris is big. ' }, 0);
    state.apply({ type: 'textChunk', entryId: 'a1', text: 'It is old.' }, 0);
    expect(state.wantsAudio('a1')).toBe(true);
    state.audioQueued('a1');
    state.audioQueued('a1');
    state.tick(5_000);
    expect(state.displayText(state.entries[0]!)).toBe(''); // nothing until the voice starts
    state.sentenceStarted('a1', 'Paris is big.', 1300, 5_000);
    state.tick(5_000 + 650);
    const halfway = state.displayText(state.entries[0]!);
    expect(halfway.length).toBeGreaterThan(3);
    expect(halfway.length).toBeLessThan('Paris is big.'.length);
    state.tick(5_000 + 1300 + 70);
    expect(state.displayText(state.entries[0]!)).toBe('Paris is big.');
    expect(state.sentencesPlayed).toBe(1);
    // The turn ends, the second sentence's audio failed: its text types at 40 ms/char.
    state.apply(conversation([answer('a1', 'Paris is big. It is old.', 'done')]), 7_000);
    state.audioDropped('a1', 7_000);
    state.tick(7_000 + 40 * 3);
    expect(state.displayText(state.entries[0]!).length).toBeGreaterThan('Paris is big.'.length);
    expect(state.tick(60_000)).toBe(false);
    expect(state.displayText(state.entries[0]!)).toBe('Paris is big. It is old.');
  });

  it('in a conversation, types each sentence when the voice engine starts it, though this panel plays nothing', () => {
    // No gesture unlocked audio in this panel: outside a conversation the text would type on its own.
    state.prefs = { typingEffect: true, reducedMotion: false, speech: true, audio: false };
    state.apply(conversation([answer('a0', '')]), 0);
    state.apply({ type: 'textChunk', entryId: 'a0', text: 'Typed.' }, 0);
    expect(state.wantsAudio('a0')).toBe(false);
    state.apply({ type: 'conversationState', conversation: { active: true, phase: 'thinking' } }, 0);
    state.apply(conversation([answer('a1', '')]), 0);
    state.apply({ type: 'textChunk', entryId: 'a1', text: 'Paris is big.' }, 0);
    expect(state.wantsAudio('a1')).toBe(true);
    state.audioQueued('a1');
    state.tick(3_000);
    expect(state.displayText(state.entries[0]!)).toBe('');
    state.apply({ type: 'speechPlayed', entryId: 'a1', sentence: 'Paris is big.', durationMs: 1300 }, 3_000);
    state.tick(3_000 + 650);
    expect(state.displayText(state.entries[0]!).length).toBeLessThan('Paris is big.'.length);
    state.tick(3_000 + 1300 + 70);
    expect(state.displayText(state.entries[0]!)).toBe('Paris is big.');
  });

  it('muting types the rest without waiting for audio', () => {
    state.prefs = { typingEffect: true, reducedMotion: false, speech: true, audio: true };
    state.apply(conversation([answer('a1', '')]), 0);
    state.apply({ type: 'textChunk', entryId: 'a1', text: 'Quiet now.' }, 0);
    state.audioQueued('a1');
    state.setMuted(true, 100);
    expect(state.wantsAudio('a1')).toBe(false);
    state.tick(100 + 40 * 9);
    expect(state.displayText(state.entries[0]!)).toBe('Quiet now.');
  });

  it('clicking a reply reveals it at once', () => {
    state.apply(conversation([answer('a1', '')]), 0);
    state.apply({ type: 'textChunk', entryId: 'a1', text: 'A long answer that would take a while.' }, 0);
    state.revealAll('a1', 1);
    expect(state.displayText(state.entries[0]!)).toBe('A long answer that would take a while.');
  });

  it('a new chat drops the old conversation and its typing', () => {
    state.apply(conversation([user('u1', 'Hi'), answer('a1', '')]), 0);
    state.apply({ type: 'textChunk', entryId: 'a1', text: 'Hel' }, 0);
    state.apply(conversation([], 'c2'), 1);
    expect(state.entries).toEqual([]);
    expect(state.revealed).toEqual({});
    expect(state.tick(2)).toBe(false);
  });

  it('follows status and recording messages', () => {
    state.apply({ type: 'status', status: { state: 'reconnecting', nextRetryAt: 5000 } }, 0);
    expect(state.status).toEqual({ state: 'reconnecting', nextRetryAt: 5000 });
    state.apply({ type: 'recording', recording: { recording: true, startedAt: 1000 } }, 0);
    expect(state.recording.recording).toBe(true);
  });

  it('shows pending and failed user messages as the background reports them', () => {
    const failed: ChatEntry = { ...user('u2', 'Again?', 'error'), error: { code: 'CONNECTION_LOST', message: 'Lost', retryable: true } };
    state.apply(conversation([user('u1', 'Queued', 'pending'), failed]), 0);
    expect(state.entries.map((e) => e.status)).toEqual(['pending', 'error']);
    expect(state.entries[1]?.error?.retryable).toBe(true);
  });
});

describe('ChatState with reduced motion', () => {
  it('still plays speech, while the text shows at once', () => {
    const state = new ChatState();
    state.prefs = { typingEffect: true, reducedMotion: true, speech: true, audio: true };
    state.apply({ type: 'conversation', conversation: { clientId: 'c1', entries: [answer('a1', '')] } }, 0);
    state.apply({ type: 'textChunk', entryId: 'a1', text: 'Spoken. Shown.' }, 0);
    expect(state.wantsAudio('a1')).toBe(true);
    state.audioQueued('a1');
    state.tick(0);
    expect(state.displayText(state.entries[0]!)).toBe('Spoken. Shown.');
    state.apply({ type: 'conversation', conversation: { clientId: 'c1', entries: [answer('a1', 'Spoken. Shown.', 'done')] } }, 1);
    // Stop stays offered while the voice still has a sentence to say.
    expect(state.tick(2)).toBe(true);
    state.sentenceStarted('a1', 'Spoken.', 900, 3);
    expect(state.tick(4)).toBe(false);
    expect(state.sentencesPlayed).toBe(1);
  });
});
