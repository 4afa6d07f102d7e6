import { loadSettings, settingsItem } from '../settings.ts';
import type { BackgroundToContent, ContentToBackground } from '../messages.ts';
import { createAudioPlayer, type AudioPlayer } from './audio-player.ts';
import { ChatState } from './chat-state.svelte.ts';
import { createPageContextActions, type PageContextActions } from './page-context-actions.ts';
import { isContextMessage, PageContextState, READ_ALOUD_ENTRY } from './page-context-state.svelte.ts';
import { createPortClient, type ChatPortLike, type PortClient } from './port-client.ts';
import { draftItem, mutedItem } from './storage-items.ts';
import type { SiteAccessRequest } from '../site-access.ts';

/** What the components may do; they never message anything themselves. */
export interface ChatActions extends PageContextActions {
  /** The panel came on screen or left it (its frame shown or hidden, the side panel opened). */
  setOpen(open: boolean): void;
  /** The user closed the panel (Escape, Close). */
  close(): void;
  setDraft(text: string): void;
  /** Sends the draft. */
  send(): void;
  retry(entryId: string): void;
  /** Stop generating and stop speaking. */
  stop(): void;
  newChat(): void;
  /** `fromUser`: the press was a real user action (`isTrusted`); only such a press starts the microphone. */
  toggleRecording(fromUser: boolean): void;
  /** Conversation mode on/off for this tab; only a real, visible user action starts it (like the mic). */
  toggleConversation(fromUser: boolean): void;
  discardRecording(): void;
  toggleMute(): void;
  revealAll(entryId: string): void;
  openOptions(): void;
  reconnect(): void;
}

export interface ChatControllerDeps {
  connect: (name: string) => ChatPortLike;
  /** The extension went away (reload/update): unmount. */
  onInvalidated: () => void;
  openOptions: () => void;
  /** Whether the panel is visible and uncovered right now (lib/chat/panel-visibility.ts); absent means yes. */
  canStartRecording?: () => boolean;
  /**
   * Closes the panel: in a page, the launcher hides its frame (asked through the
   * background, the only way to the tab's launcher); in the side panel, the window closes.
   */
  close: (post: (message: ContentToBackground) => void) => void;
  now?: () => number;
  /**
   * `permissions.request` for a site's origins (lib/site-access.ts). Absent where the panel has no
   * permissions API (Firefox's in-page frame): the background then asks in a small Parley window.
   */
  requestSiteAccess?: (origins: string[]) => Promise<boolean>;
  /** Whether a recent click still counts as a user action (Chrome's navigator.userActivation). */
  hasUserActivation?: () => boolean;
}

export interface ChatController {
  state: ChatState;
  pageContext: PageContextState;
  actions: ChatActions;
  /** Loads draft, mute and typing settings. */
  init(): Promise<void>;
  dispose(): void;
}

const TYPING_FRAME_MS = 33;
/**
 * Streamed chunks are applied at most once per this many ms, joined per entry: a chunk per
 * token re-rendered and re-laid-out the panel thousands of times in a long answer, and made
 * long tasks (tests/e2e/long-answer.test.ts). One frame at 60 Hz is below what anyone sees.
 */
const CHUNK_BATCH_MS = 16;
const CLOCK_MS = 1000;
const DRAFT_SAVE_MS = 300;

function base64ToArrayBuffer(base64: string): ArrayBuffer {
  const binary = atob(base64);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes.buffer;
}

/**
 * Wires the chat state to the background port, the audio player, storage and
 * timers. The port opens when the panel first shows; the AudioContext on the first gesture.
 */
export function createChatController(deps: ChatControllerDeps): ChatController {
  const now = deps.now ?? (() => performance.now());
  const state = new ChatState();
  const pageContext = new PageContextState();
  const cleanups: Array<() => void> = [];
  let typingTimer: ReturnType<typeof setTimeout> | undefined;
  let clockTimer: ReturnType<typeof setInterval> | undefined;
  let draftTimer: ReturnType<typeof setTimeout> | undefined;
  let player: AudioPlayer | undefined;

  function animate() {
    if (typingTimer) return;
    const frame = () => {
      typingTimer = undefined;
      if (state.tick(now())) typingTimer = setTimeout(frame, TYPING_FRAME_MS);
    };
    typingTimer = setTimeout(frame, 0);
  }

  function runClock(on: boolean) {
    if (on && !clockTimer) {
      state.now = Date.now();
      clockTimer = setInterval(() => (state.now = Date.now()), CLOCK_MS);
    } else if (!on && clockTimer) {
      clearInterval(clockTimer);
      clockTimer = undefined;
    }
  }

  function getPlayer(): AudioPlayer {
    player ??= createAudioPlayer({
      onSentenceStart(item, durationMs) {
        if (item.entryId === READ_ALOUD_ENTRY) return pageContext.sentenceStarted(item.sentence);
        state.sentenceStarted(item.entryId, item.sentence, durationMs, now());
        animate();
      },
      onSentenceDropped(item) {
        if (item.entryId === READ_ALOUD_ENTRY) return;
        state.audioDropped(item.entryId, now());
        animate();
      },
      onSpeakingChange(speaking) {
        state.speaking = speaking;
        if (!speaking) pageContext.playerIdle();
      },
    });
    return player;
  }

  /** Every user gesture that may lead to spoken audio unlocks playback (autoplay policy). */
  function unlockAudio() {
    state.setPrefs({ audio: getPlayer().unlock() }, now());
  }

  function handleSpeech(message: Extract<BackgroundToContent, { type: 'speech' }>) {
    if (!state.wantsAudio(message.entryId)) return;
    if (message.audioBase64 === '') {
      // Played by the voice engine (conversation mode): speechPlayed / speechDropped follow.
      state.audioQueued(message.entryId);
      return;
    }
    const audio = getPlayer();
    if (!audio.canPlay()) {
      // No gesture in this tab yet (or audio is blocked): type without sound from now on.
      state.setPrefs({ audio: false }, now());
      return;
    }
    state.audioQueued(message.entryId);
    try {
      audio.enqueue({ entryId: message.entryId, sentence: message.sentence, data: base64ToArrayBuffer(message.audioBase64) });
    } catch (error) {
      // Malformed base64: the sentence is typed without its audio.
      console.warn('[parley] unreadable speech audio', error);
      state.audioDropped(message.entryId, now());
    }
  }

  let chunks: Array<Extract<BackgroundToContent, { type: 'textChunk' }>> = [];
  let chunkTimer: ReturnType<typeof setTimeout> | undefined;

  function flushChunks() {
    if (chunkTimer) clearTimeout(chunkTimer);
    chunkTimer = undefined;
    const pending = chunks;
    chunks = [];
    for (let i = 0; i < pending.length; ) {
      const entryId = pending[i]?.entryId ?? '';
      let text = '';
      for (; i < pending.length && pending[i]?.entryId === entryId; i++) text += pending[i]?.text ?? '';
      state.apply({ type: 'textChunk', entryId, text }, now());
    }
    if (pending.length > 0) animate();
  }

  /** A read-aloud sentence: played like an answer's, highlighted in the read-aloud bar. */
  function handleReadAloudSpeech(message: Extract<BackgroundToContent, { type: 'readAloudSpeech' }>) {
    if (pageContext.reading === 'idle') return;
    const audio = getPlayer();
    if (!audio.canPlay()) return;
    try {
      audio.enqueue({ entryId: READ_ALOUD_ENTRY, sentence: message.sentence, data: base64ToArrayBuffer(message.audioBase64) });
    } catch (error) {
      // Malformed base64: that sentence is skipped.
      console.warn('[parley] unreadable read-aloud audio', error);
    }
  }

  function handleMessage(message: BackgroundToContent) {
    if (message.type === 'textChunk') {
      chunks.push(message);
      chunkTimer ??= setTimeout(flushChunks, CHUNK_BATCH_MS);
      return;
    }
    // Anything else may refer to text that arrived before it: apply that text first.
    flushChunks();
    if (message.type === 'speech') handleSpeech(message);
    else if (message.type === 'readAloudSpeech') handleReadAloudSpeech(message);
    else if (isContextMessage(message)) {
      // The click that asked is usually still a user action here (Chrome keeps one for a few
      // seconds): ask for the site at once. Otherwise the panel shows "Allow" for a fresh click.
      const needsSite = pageContext.apply(message);
      if (needsSite && deps.requestSiteAccess && (deps.hasUserActivation?.() ?? false)) void contextActions.allowSite(true);
    } else if (message.type === 'siteAccess') {
      siteWaiters.get(message.host)?.(message.granted);
      siteWaiters.delete(message.host);
    }
    else state.apply(message, now());
    animate();
  }

  const port: PortClient = createPortClient({
    connect: deps.connect,
    onMessage: handleMessage,
    onConnectedChange(connected) {
      // The relay status comes with the next snapshot; until then say we are on our way.
      if (!connected) state.status = { state: 'reconnecting', detail: 'Reconnecting to the extension' };
    },
    onInvalidated: deps.onInvalidated,
    wanted: () => state.open || state.busy || state.recording.recording,
  });

  function post(message: ContentToBackground) {
    port.post(message);
  }

  function saveDraft() {
    if (draftTimer) clearTimeout(draftTimer);
    draftTimer = setTimeout(() => {
      draftTimer = undefined;
      void draftItem.setValue(state.draft).catch((error: unknown) => console.warn('[parley] cannot save the draft', error));
    }, DRAFT_SAVE_MS);
  }

  /** Panels without a permissions API: the answer of the window the background opened, by host. */
  // Not reactive state: callbacks waiting for one message.
  // eslint-disable-next-line svelte/prefer-svelte-reactivity
  const siteWaiters = new Map<string, (granted: boolean) => void>();
  const askInAWindow = (site: SiteAccessRequest) =>
    new Promise<boolean>((resolve) => {
      siteWaiters.get(site.host)?.(false);
      siteWaiters.set(site.host, resolve);
      post({ type: 'requestSiteAccess', host: site.host });
    });
  const { requestSiteAccess } = deps;
  const contextActions = createPageContextActions({
    pageContext,
    post,
    player: () => player,
    unlockAudio,
    requestSiteAccess: requestSiteAccess ? (site) => requestSiteAccess(site.origins) : askInAWindow,
  });

  const actions: ChatActions = {
    setOpen(open) {
      state.setOpen(open);
      runClock(open);
      if (open) port.ensureConnected();
    },
    close() {
      deps.close(post);
    },
    setDraft(text) {
      state.draft = text;
      saveDraft();
    },
    send() {
      const text = state.draft.trim();
      if (text === '') return;
      unlockAudio();
      // Queue, not cancel: a message sent while an answer streams goes to the
      // background at once, which stores it as 'pending' and sends it when the
      // current answer ends (lib/background/turns.ts). The UI shows it as pending.
      post({ type: 'send', text });
      state.draft = '';
      saveDraft();
    },
    retry(entryId) {
      unlockAudio();
      post({ type: 'retry', entryId });
    },
    stop() {
      post({ type: 'cancel' });
      // What already arrived is shown at once, whole.
      flushChunks();
      player?.stop();
      state.stopAll(now());
    },
    newChat() {
      player?.stop();
      state.stopAll(now());
      post({ type: 'newChat' });
    },
    toggleRecording(fromUser) {
      if (state.recording.recording) {
        post({ type: 'stopRecording' });
        return;
      }
      // A synthetic press, or one on a panel that something covers, never opens the microphone.
      if (!fromUser || deps.canStartRecording?.() === false) {
        console.warn('[parley] ignored a record press that was not a visible user action');
        return;
      }
      unlockAudio();
      post({ type: 'startRecording' });
    },
    toggleConversation(fromUser) {
      if (!state.conversation.active && (!fromUser || deps.canStartRecording?.() === false)) {
        console.warn('[parley] ignored a conversation press that was not a visible user action');
        return;
      }
      post({ type: 'toggleConversation' });
    },
    discardRecording() {
      post({ type: 'discardRecording' });
    },
    toggleMute() {
      const muted = !state.muted;
      if (muted) player?.stop();
      else unlockAudio();
      state.setMuted(muted, now());
      animate();
      void mutedItem.setValue(muted).catch((error: unknown) => console.warn('[parley] cannot save mute', error));
    },
    revealAll(entryId) {
      flushChunks();
      state.revealAll(entryId, now());
    },
    openOptions: () => deps.openOptions(),
    reconnect: () => post({ type: 'reconnect' }),
    ...contextActions,
  };

  function watchPrefs() {
    const motion = window.matchMedia?.('(prefers-reduced-motion: reduce)');
    if (motion) {
      state.setPrefs({ reducedMotion: motion.matches }, now());
      const onChange = (event: MediaQueryListEvent) => state.setPrefs({ reducedMotion: event.matches }, now());
      motion.addEventListener('change', onChange);
      cleanups.push(() => motion.removeEventListener('change', onChange));
    }
    cleanups.push(
      settingsItem.watch((settings) => {
        state.setPrefs({ speech: settings?.speech ?? true, typingEffect: settings?.typingEffect ?? true }, now());
        animate();
      }),
    );
  }

  return {
    state,
    pageContext,
    actions,
    async init() {
      watchPrefs();
      const [settings, draft, muted] = await Promise.all([loadSettings(), draftItem.getValue(), mutedItem.getValue()]);
      state.setPrefs({ speech: settings.speech, typingEffect: settings.typingEffect }, now());
      // Something typed before init finished wins over the stored draft.
      if (state.draft === '') state.draft = draft;
      state.muted = muted;
    },
    dispose() {
      for (const cleanup of cleanups.splice(0)) cleanup();
      if (chunkTimer) clearTimeout(chunkTimer);
      if (typingTimer) clearTimeout(typingTimer);
      if (draftTimer) {
        clearTimeout(draftTimer);
        // Flush: the user's words outlive this page.
        void draftItem.setValue(state.draft).catch(() => undefined);
      }
      runClock(false);
      player?.dispose();
      port.dispose();
    },
  };
}
