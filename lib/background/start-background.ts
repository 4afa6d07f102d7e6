import { browser } from 'wxt/browser';
import { DEFAULT_SETTINGS, loadSettings, settingsItem, tokenItem } from '../settings.ts';
import type { RecorderHost } from '../recorder/recorder-host.ts';
import { createChatPorts, type PortLike } from './chat-ports.ts';
import { createContentHandlers, dispatchContentMessage } from './content-handlers.ts';
import { createConversationStore } from './conversation-store.ts';
import { createRelayClient } from './relay-client.ts';
import { loadRelayConfig, toSessionSettings } from './relay-config.ts';
import { registerRuntimeHandlers } from './runtime-handlers.ts';
import { createTurnIds } from './turn-ids.ts';
import { createTurns } from './turns.ts';
import { createConversation } from './conversation.ts';
import { createVoice } from './voice.ts';
import { sendMessage } from '../messages.ts';
import { openPermissionPage } from './permission-page.ts';
import { sendToLauncher } from '../launcher/launcher-message.ts';
import { openSidePanel } from '../side-panel.ts';
import { toggleChatInTab } from './toggle-chat.ts';
import { createContextFeature } from './context-feature.ts';
import { browserMenus, registerContextMenus } from './context-menus.ts';
import { injectScript } from './inject-script.ts';
import { DEFAULT_CONTEXT_CAPS, DEFAULT_READ_ALOUD_CHARS } from './page-context.ts';
import { isSiteEnabled } from '../settings.ts';

/**
 * Wires the background. Every listener is registered synchronously (MV3 only
 * delivers the waking event to listeners added in the first turn); state that
 * lives in storage is loaded lazily and awaited before any handler runs.
 */
export function startBackground(options: { recorderHost: RecorderHost }): () => void {
  const log = (message: string, error?: unknown) => console.warn(`[parley] ${message}`, error ?? '');
  const nextTurnId = createTurnIds();

  const ports = createChatPorts({
    runtimeId: browser.runtime.id,
    onMessage: (tabId, message) => {
      void whenReady()
        .then(() => dispatchContentMessage(contentHandlers, tabId, message))
        .catch((error: unknown) => log(`chat message "${message.type}" from panel ${tabId} failed`, error));
    },
    onPanelGone: (tabId) => {
      void whenReady().then(() => {
        turns.cancelTab(tabId);
        voice.discard(tabId);
        context.forgetTab(tabId);
        if (conversation.activeTab() === tabId) void conversation.stop();
      });
    },
  });
  const store = createConversationStore({ onChange: (conversation) => ports.broadcast({ type: 'conversation', conversation }) });
  const relay = createRelayClient({
    loadConfig: loadRelayConfig,
    getResume: async () => {
      await whenReady();
      return { clientId: store.snapshot().clientId, messages: store.resumeMessages() };
    },
    getSessionSettings: async () => toSessionSettings(await loadSettings()),
  });
  const context = createContextFeature({
    relay,
    post: ports.post,
    nextTurnId,
    pageContext: {
      getHost: (tabId) => tabHost(tabId),
      isSiteAllowed: async (host) => isSiteEnabled(await loadSettings(), host),
      inject: injectScript,
      caps: () => {
        const limits = relay.okInfo()?.limits;
        return { maxChars: limits?.maxContextChars ?? DEFAULT_CONTEXT_CAPS.maxChars, maxTokens: limits?.maxContextTokens ?? DEFAULT_CONTEXT_CAPS.maxTokens };
      },
      readAloudChars: () => relay.okInfo()?.limits.maxReadAloudChars ?? DEFAULT_READ_ALOUD_CHARS,
    },
    // TODO [2026-12-15]: an explicit "open" once issue 9's panel has one; toggling a tab that has a port could close it.
    openChat: (tabId) => (ports.has(tabId) ? Promise.resolve(true) : toggleChatInTab(tabId)),
    openSidePanel,
    pageTabOf: async (panelId) =>
      panelId >= 0 ? panelId : (await browser.tabs.query({ active: true, lastFocusedWindow: true }))[0]?.id,
  });
  const turns = createTurns({
    store,
    relay,
    ports,
    nextTurnId,
    onVoiceFailed: (tabId, error) => voice.failFor(tabId, error),
    attachments: context.attachments,
    takeSpeech: (turnId, index, audio, entryId, sentence) => conversation.takeSpeech(turnId, index, audio, entryId, sentence),
    onTurnEnded: (turnId) => conversation.turnEnded(turnId),
  });
  const voice = createVoice({
    host: options.recorderHost,
    relay,
    turns,
    ports,
    nextTurnId,
    requestMicPermission: openPermissionPage,
    attachments: context.attachments,
  });
  const conversation = createConversation({
    host: options.recorderHost,
    engine: {
      start: (silenceMs, echoCancellation) => sendMessage('engineStart', { silenceMs, echoCancellation }),
      stop: () => sendMessage('engineStop', undefined),
      speak: (id, base64) => sendMessage('engineSpeak', { id, base64 }),
      answerEnded: () => sendMessage('engineAnswerEnded', undefined),
    },
    relay,
    voice,
    turns,
    post: ports.post,
    requestMicPermission: openPermissionPage,
    settings: async () => {
      const settings = await loadSettings();
      return { silenceMs: settings.endOfTurnSilenceMs, echoCancellation: settings.echoCancellation };
    },
  });
  const closePanel = (tabId: number) => {
    sendToLauncher(tabId, { type: 'parley:close' }).catch((error: unknown) => log(`cannot close the panel in tab ${tabId}`, error));
  };
  const contentHandlers = createContentHandlers({ store, relay, turns, voice, context: context.actions, conversation, post: ports.post, closePanel });

  let loaded: Promise<void> | undefined;
  function whenReady(): Promise<void> {
    loaded ??= store.ready().then(() => turns.recoverInterrupted());
    return loaded;
  }

  const restartIfActive = () => {
    if (relay.getStatus().state !== 'idle') relay.restart();
  };
  const removers = [
    relay.on('status', (status) => {
      ports.broadcast({ type: 'status', status });
      if (status.state === 'unauthorized' || status.state === 'misconfigured') {
        const detail = status.detail ?? 'Parley cannot connect to its relay.';
        turns.handleGaveUp(detail);
        voice.handleGaveUp(detail);
      }
    }),
    relay.on('ready', () => {
      voice.handleReady();
      turns.pump();
    }),
    relay.on('lost', () => {
      turns.handleConnectionLost();
      voice.handleConnectionLost();
      context.readAloud.handleConnectionLost();
    }),
    relay.on('message', (message) => {
      if (!context.readAloud.handleServerMessage(message)) turns.handleServerMessage(message);
    }),
    registerContextMenus(browserMenus(), context.menuHandlers, log),
    // A 4401 stops retrying until the token or URL changes; other settings go to the live session.
    settingsItem.watch((next, previous) => {
      const settings = { ...DEFAULT_SETTINGS, ...next };
      if (settings.relayUrl !== previous?.relayUrl) return restartIfActive();
      relay.send({ type: 'settings', settings: toSessionSettings(settings) });
    }),
    tokenItem.watch(restartIfActive),
    registerRuntimeHandlers({ relay, voice, conversation, whenReady }),
  ];

  const onConnect = (port: PortLike) => void ports.accept(port);
  browser.runtime.onConnect.addListener(onConnect as unknown as Parameters<typeof browser.runtime.onConnect.addListener>[0]);

  const onCommand = (command: string) => {
    if (command !== 'toggle-chat' && command !== 'toggle-conversation') return;
    browser.tabs
      .query({ active: true, currentWindow: true })
      .then(async ([tab]) => {
        if (tab?.id === undefined) return;
        if (command === 'toggle-chat') return void (await toggleChatInTab(tab.id));
        await whenReady();
        await conversation.toggle(tab.id);
      })
      .catch((error: unknown) => log('cannot find the active tab for the shortcut', error));
  };
  browser.commands.onCommand.addListener(onCommand);

  return () => {
    removers.forEach((remove) => remove());
    browser.runtime.onConnect.removeListener(onConnect as unknown as Parameters<typeof browser.runtime.onConnect.removeListener>[0]);
    browser.commands.onCommand.removeListener(onCommand);
    relay.dispose();
    options.recorderHost.dispose();
  };
}

/**
 * The tab's hostname: from the tab itself when the user's action granted activeTab (menu click,
 * toolbar button, shortcut), else from its launcher. Undefined where neither can tell.
 */
async function tabHost(tabId: number): Promise<string | undefined> {
  if (tabId < 0) return undefined; // a side panel has no page of its own
  const tab = await browser.tabs.get(tabId).catch(() => undefined);
  if (tab?.url) {
    try {
      return new URL(tab.url).hostname;
    } catch {
      // Not a URL we can name; ask the launcher below.
    }
  }
  const host = await sendToLauncher(tabId, { type: 'parley:page-host' }).catch(() => undefined);
  return typeof host === 'string' ? host : undefined;
}
