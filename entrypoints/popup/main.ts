// Toolbar popup: connection state, open chat on this tab, disable on this site, options link.
import { mount } from 'svelte';
import { browser } from 'wxt/browser';
import Popup from '../../components/popup/Popup.svelte';
import { disableSite } from '../../components/popup/popup-logic.ts';
import { sendToLauncher } from '../../lib/launcher/launcher-message.ts';
import { openSidePanel } from '../../lib/side-panel.ts';
import { sendMessage } from '../../lib/messages.ts';
import { loadSettings, settingsItem } from '../../lib/settings.ts';

async function activeTabId(): Promise<number> {
  // No "tabs" permission needed: the id is always there, only url/title are withheld.
  const [tab] = await browser.tabs.query({ active: true, currentWindow: true });
  if (tab?.id === undefined) throw new Error('No active tab.');
  return tab.id;
}

const target = document.getElementById('app');
// Known before any click: opening the side panel must happen inside the click, with no await first.
let windowId: number | undefined;
browser.windows
  .getCurrent()
  .then((current) => (windowId = current.id))
  .catch((error: unknown) => console.warn('[parley] cannot find this window', error));
if (target) {
  mount(Popup, {
    target,
    props: {
      getStatus: () => sendMessage('getStatus'),
      openChat: async () => sendMessage('openChatInTab', { tabId: await activeTabId() }),
      openSidePanel: () => openSidePanel(windowId),
      disableSite: async () => {
        const tabId = await activeTabId();
        const host = await sendToLauncher(tabId, { type: 'parley:page-host' }).catch(() => undefined);
        if (typeof host !== 'string') {
          throw new Error('Parley is not running on this page (it may already be off here, or it is a browser page).');
        }
        await settingsItem.setValue(disableSite(await loadSettings(), host));
        return `Parley is now off on ${host}. Undo it in Options.`;
      },
      openOptions: () => void browser.runtime.openOptionsPage(),
      toggleConversation: async () =>
        (await sendMessage('toggleConversationInTab', { tabId: await activeTabId() }))
          ? 'Conversation on: just speak. Alt+Shift+C ends it.'
          : 'Conversation ended.',
    },
  });
}
