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
import { createVoice } from './voice.ts';
import { openPermissionPage } from './permission-page.ts';
import { sendToLauncher } from '../launcher/launcher-message.ts';
import { registerSidePanelMenu } from '../side-panel.ts';
import { toggleChatInTab } from './toggle-chat.ts';

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
  const turns = createTurns({
    store,
    relay,
    ports,
    nextTurnId,
    onVoiceFailed: (tabId, error) => voice.failFor(tabId, error),
  });
  const voice = createVoice({ host: options.recorderHost, relay, turns, ports, nextTurnId, requestMicPermission: openPermissionPage });
  const closePanel = (tabId: number) => {
    sendToLauncher(tabId, { type: 'parley:close' }).catch((error: unknown) => log(`cannot close the panel in tab ${tabId}`, error));
  };
  const contentHandlers = createContentHandlers({ store, relay, turns, voice, post: ports.post, closePanel });

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
    }),
    relay.on('message', (message) => turns.handleServerMessage(message)),
    // A 4401 stops retrying until the token or URL changes; other settings go to the live session.
    settingsItem.watch((next, previous) => {
      const settings = { ...DEFAULT_SETTINGS, ...next };
      if (settings.relayUrl !== previous?.relayUrl) return restartIfActive();
      relay.send({ type: 'settings', settings: toSessionSettings(settings) });
    }),
    tokenItem.watch(restartIfActive),
    registerRuntimeHandlers({ relay, voice, whenReady }),
    registerSidePanelMenu(log),
  ];

  const onConnect = (port: PortLike) => void ports.accept(port);
  browser.runtime.onConnect.addListener(onConnect as unknown as Parameters<typeof browser.runtime.onConnect.addListener>[0]);

  const onCommand = (command: string) => {
    if (command !== 'toggle-chat') return;
    browser.tabs
      .query({ active: true, currentWindow: true })
      .then(([tab]) => (tab?.id === undefined ? false : toggleChatInTab(tab.id)))
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
