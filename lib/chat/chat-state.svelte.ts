import type { BackgroundToContent, ChatEntry, ConnectionStatus, Conversation, ConversationView, RecordingState } from '../messages.ts';
import { Typewriter } from './typewriter.ts';

/** How replies are typed; read from settings and media queries by the controller. */
export interface TypingPrefs {
  typingEffect: boolean;
  reducedMotion: boolean;
  /** Spoken answers are on in settings. */
  speech: boolean;
  /** This tab can play audio (an AudioContext exists and runs). */
  audio: boolean;
}

/** A reply being typed in this tab: only replies whose chunks stream to this tab are animated. */
interface Typing {
  writer: Typewriter;
  /** Sentences whose audio arrived but has not started playing (or failed) yet. */
  pendingAudio: number;
  /** The turn is over (done, cancelled or error): no more text or audio will come. */
  ended: boolean;
}

type Handlers = { [K in BackgroundToContent['type']]: (message: Extract<BackgroundToContent, { type: K }>, now: number) => void };

/**
 * Everything the chat panel shows, as runes. The background owns the
 * conversation; this mirrors it and adds what only this tab knows: what is
 * open, the draft, and how far each streaming reply has been typed. Messages
 * are applied with an explicit `now` so tests can feed sequences without timers.
 */
export class ChatState {
  entries = $state<ChatEntry[]>([]);
  clientId = $state('');
  status = $state<ConnectionStatus>({ state: 'idle' });
  recording = $state<RecordingState>({ recording: false });
  /** Conversation mode in this tab (issue 11): state, input level, notices. */
  conversation = $state<ConversationView>({ active: false, phase: 'off' });
  /** The panel is on screen (its frame shown, or the side panel open). */
  open = $state(false);
  draft = $state('');
  /** The user's words while their voice turn is transcribed (streamed); null when there is none. */
  liveTranscript = $state<string | null>(null);
  muted = $state(false);
  /** Spoken sentences that started playing in this tab (readable by tests through the UI). */
  sentencesPlayed = $state(0);
  speaking = $state(false);
  /** Visible text of replies being typed, by entry id; absent means "show all". */
  revealed = $state<Record<string, string>>({});
  /** Wall clock (epoch ms) for elapsed/retry labels, advanced by the controller while open. Typing uses its own monotonic `now`. */
  now = $state(Date.now());
  // `audio` turns true on the first gesture that unlocks playback in this tab.
  prefs = $state<TypingPrefs>({ typingEffect: true, reducedMotion: false, speech: true, audio: false });

  readonly streaming = $derived(this.entries.some((entry) => entry.role === 'assistant' && entry.status === 'streaming'));
  /** Something can be stopped: an answer streams, is still being typed, or is being spoken. */
  readonly busy = $derived(this.streaming || this.speaking || Object.keys(this.revealed).length > 0);

  // Deliberately not reactive: `revealed` is its reactive projection, updated per tick.
  // eslint-disable-next-line svelte/prefer-svelte-reactivity
  #typing = new Map<string, Typing>();

  readonly #handlers: Handlers = {
    snapshot: (message, now) => {
      // A (re)connected port: a transcription in flight shows again with its next piece.
      this.liveTranscript = null;
      this.status = message.status;
      this.recording = message.recording;
      this.#applyConversation(message.conversation, now);
    },
    conversation: (message, now) => this.#applyConversation(message.conversation, now),
    textChunk: (message, now) => this.#appendChunk(message.entryId, message.text, now),
    liveTranscript: (message) => {
      this.liveTranscript = message.text;
    },
    // Audio goes through the player first; it reports back with sentenceStarted/audioDropped.
    speech: () => undefined,
    status: (message) => {
      this.status = message.status;
    },
    recording: (message) => {
      this.recording = message.recording;
    },
    conversationState: (message) => {
      this.conversation = message.conversation;
    },
    speechPlayed: (message, now) => this.sentenceStarted(message.entryId, message.sentence, message.durationMs, now),
    speechDropped: (message, now) => this.audioDropped(message.entryId, now),
    // Issue 12's messages: chat-controller routes them to PageContextState; they never reach here.
    attachment: () => undefined,
    readAloud: () => undefined,
    readAloudSpeech: () => undefined,
  };

  apply(message: BackgroundToContent, now: number): void {
    (this.#handlers[message.type] as (message: BackgroundToContent, now: number) => void)(message, now);
  }

  setOpen(open: boolean): void {
    this.open = open;
  }

  /** Text to show for an entry right now. */
  displayText(entry: ChatEntry): string {
    return this.revealed[entry.id] ?? entry.content;
  }

  isTyping(entryId: string): boolean {
    return this.#typing.has(entryId);
  }

  /** Replies in this tab waiting for spoken audio, so the controller knows whether to accept it. */
  wantsAudio(entryId: string): boolean {
    // Reduced motion or typing off change how text appears, not whether it is spoken.
    return this.#typing.has(entryId) && this.prefs.speech && this.#audible() && !this.muted;
  }

  audioQueued(entryId: string): void {
    const typing = this.#typing.get(entryId);
    if (typing) typing.pendingAudio++;
  }

  /** A sentence's audio could not be decoded or played: its text is typed without it. */
  audioDropped(entryId: string, now: number): void {
    const typing = this.#typing.get(entryId);
    if (!typing) return;
    typing.pendingAudio = Math.max(0, typing.pendingAudio - 1);
    this.#maybeTypeRest(typing, now);
  }

  sentenceStarted(entryId: string, sentence: string, durationMs: number, now: number): void {
    this.sentencesPlayed++;
    const typing = this.#typing.get(entryId);
    if (!typing) return;
    typing.pendingAudio = Math.max(0, typing.pendingAudio - 1);
    typing.writer.speak(sentence, durationMs, now);
    this.#maybeTypeRest(typing, now);
  }

  /** Settings, media queries or audio availability changed: text no longer waiting for audio types on. */
  setPrefs(prefs: Partial<TypingPrefs>, now: number): void {
    this.prefs = { ...this.prefs, ...prefs };
    for (const typing of this.#typing.values()) this.#maybeTypeRest(typing, now);
  }

  setMuted(muted: boolean, now: number): void {
    this.muted = muted;
    if (!muted) return;
    // Audio already queued will never play: type what it would have covered.
    for (const typing of this.#typing.values()) {
      typing.pendingAudio = 0;
      typing.writer.typeRest(now);
    }
  }

  /** Clicking a reply shows it whole. */
  revealAll(entryId: string, now: number): void {
    this.#typing.get(entryId)?.writer.revealAll();
    this.tick(now);
  }

  /** Stop generating: no more typing or audio for anything in flight. */
  stopAll(now: number): void {
    for (const typing of this.#typing.values()) {
      typing.pendingAudio = 0;
      typing.writer.revealAll();
    }
    this.tick(now);
  }

  /** Advances typing; returns true while something is still animating. */
  tick(now: number): boolean {
    for (const [id, typing] of this.#typing) {
      const text = typing.writer.visibleText(now);
      if (typing.ended && typing.pendingAudio === 0 && typing.writer.isCaughtUp(now)) {
        this.#typing.delete(id);
        delete this.revealed[id];
      } else if (this.revealed[id] !== text) {
        this.revealed[id] = text;
      }
    }
    return this.#typing.size > 0;
  }

  /** Text waits for its sentence's audio (only when it is typed; instant text never waits). */
  #spoken(): boolean {
    return this.prefs.speech && this.#audible() && !this.muted && this.#animated();
  }

  /** Audio can be heard: played in this panel, or by the voice engine while a conversation runs. */
  #audible(): boolean {
    return this.prefs.audio || this.conversation.active;
  }

  #animated(): boolean {
    return this.prefs.typingEffect && !this.prefs.reducedMotion;
  }

  #maybeTypeRest(typing: Typing, now: number): void {
    // While audio may still come, text waits for its sentence; afterwards the rest types on its own.
    if (!this.#spoken() || (typing.ended && typing.pendingAudio === 0)) typing.writer.typeRest(now);
  }

  #startTyping(entryId: string): Typing {
    let typing = this.#typing.get(entryId);
    if (!typing) {
      typing = { writer: new Typewriter(!this.#animated()), pendingAudio: 0, ended: false };
      this.#typing.set(entryId, typing);
      this.revealed[entryId] = '';
    }
    return typing;
  }

  #appendChunk(entryId: string, text: string, now: number): void {
    let entry = this.entries.find((candidate) => candidate.id === entryId);
    if (!entry) {
      // The chunk overtook the conversation update that adds its entry.
      entry = { id: entryId, role: 'assistant', content: '', status: 'streaming', createdAt: now };
      this.entries.push(entry);
      entry = this.entries[this.entries.length - 1];
      if (!entry) return;
    }
    entry.content += text;
    const typing = this.#startTyping(entryId);
    typing.writer.setText(entry.content);
    this.#maybeTypeRest(typing, now);
  }

  #applyConversation(conversation: Conversation, now: number): void {
    if (this.clientId !== '' && conversation.clientId !== this.clientId) {
      // New chat (here or in another tab): nothing of the old one keeps typing.
      this.#typing.clear();
      this.revealed = {};
    }
    this.clientId = conversation.clientId;
    // eslint-disable-next-line svelte/prefer-svelte-reactivity -- a local lookup table, never rendered
    const local = new Map(this.entries.map((entry) => [entry.id, entry.content]));
    this.entries = conversation.entries.map((entry) => {
      const mine = local.get(entry.id);
      // Chunks that reached this tab after the background took its copy are not lost.
      const content = mine !== undefined && mine.length > entry.content.length && mine.startsWith(entry.content) ? mine : entry.content;
      return content === entry.content ? entry : { ...entry, content };
    });
    // eslint-disable-next-line svelte/prefer-svelte-reactivity -- a local lookup table, never rendered
    const byId = new Map(this.entries.map((entry) => [entry.id, entry]));
    for (const [id, typing] of this.#typing) {
      const entry = byId.get(id);
      if (!entry) {
        this.#typing.delete(id);
        delete this.revealed[id];
        continue;
      }
      typing.writer.setText(entry.content);
      if (entry.status !== 'streaming') typing.ended = true;
      this.#maybeTypeRest(typing, now);
    }
  }
}
