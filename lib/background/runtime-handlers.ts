import { browser } from 'wxt/browser';
import { onMessage } from '../messages.ts';
import { toggleChatInTab } from './toggle-chat.ts';
import type { RelayClient } from './relay-client.ts';
import { isExtensionPageSender, type SenderLike } from './sender.ts';
import { testConnection } from './test-connection.ts';
import type { Conversation } from './conversation.ts';
import type { Voice } from './voice.ts';
import type { SiteAccessWindows } from './site-access-window.ts';
import { isHostName } from '../site-access.ts';

/**
 * Request/response messages from Parley's own pages (options, popup, offscreen
 * recorder, permission page). Each checks that the sender is an extension page:
 * content scripts run in hostile pages and must not drive the relay or the mic.
 * Returns one remover for all listeners.
 */
export function registerRuntimeHandlers(deps: {
  relay: RelayClient;
  voice: Voice;
  conversation: Conversation;
  whenReady: () => Promise<void>;
  siteAccess?: Pick<SiteAccessWindows, 'result'>;
}): () => void {
  const { relay, voice } = deps;
  const extensionOrigin = browser.runtime.getURL('/');
  const trusted = (sender: SenderLike | undefined) => {
    if (!isExtensionPageSender(sender, browser.runtime.id, extensionOrigin)) throw new Error('Refused: only Parley pages may send this message.');
  };

  const removers = [
    onMessage('getStatus', ({ sender }) => {
      trusted(sender);
      relay.ensureConnected();
      return relay.getStatus();
    }),
    onMessage('testConnection', ({ data, sender }) => {
      trusted(sender);
      return testConnection(data.relayUrl, data.token);
    }),
    onMessage('openChatInTab', async ({ data, sender }) => {
      trusted(sender);
      if (!(await toggleChatInTab(data.tabId))) {
        throw new Error('Parley is not running on this page (it may be disabled here, or it is a browser page).');
      }
    }),
    onMessage('recorderChunk', async ({ data, sender }) => {
      trusted(sender);
      await deps.whenReady();
      voice.sink.chunk(data);
    }),
    onMessage('recorderEnd', async ({ data, sender }) => {
      trusted(sender);
      await deps.whenReady();
      voice.sink.end(data);
    }),
    onMessage('recorderPause', async ({ data, sender }) => {
      trusted(sender);
      await deps.whenReady();
      voice.sink.pause?.(data);
    }),
    onMessage('recorderError', async ({ data, sender }) => {
      trusted(sender);
      await deps.whenReady();
      voice.sink.error(data);
    }),
    onMessage('toggleConversationInTab', async ({ data, sender }) => {
      trusted(sender);
      await deps.whenReady();
      await deps.conversation.toggle(data.tabId);
      return deps.conversation.activeTab() === data.tabId;
    }),
    onMessage('engineBeginTurn', async ({ sender }) => {
      trusted(sender);
      await deps.whenReady();
      return deps.conversation.beginTurn();
    }),
    onMessage('engineEvent', async ({ data, sender }) => {
      trusted(sender);
      await deps.whenReady();
      deps.conversation.handleEvent(data);
    }),
    onMessage('micPermissionResult', ({ data, sender }) => {
      trusted(sender);
      if (data.granted) voice.clearError();
    }),
    onMessage('siteAccessResult', ({ data, sender }) => {
      trusted(sender);
      if (typeof data.host === 'string' && isHostName(data.host)) deps.siteAccess?.result(data.host, data.granted === true);
    }),
  ];
  return () => removers.forEach((remove) => remove());
}
