import { defineContentScript } from 'wxt/utils/define-content-script';
import { onMessage } from '../../lib/messages.ts';
import { DEFAULT_SETTINGS, isSiteEnabled, loadSettings, settingsItem, type ParleySettings } from '../../lib/settings.ts';
import type { ChatUi } from '../../lib/chat/mount-chat-ui.ts';

export default defineContentScript({
  matches: ['<all_urls>'],
  runAt: 'document_idle',
  cssInjectionMode: 'ui',
  async main(ctx) {
    // Top frame of an HTML page only (not iframes, XML or SVG documents).
    if (window.top !== window || !(document.documentElement instanceof HTMLHtmlElement)) return;
    let ui: ChatUi | undefined;
    // Settings can change while mounting: apply them one at a time.
    let queue = Promise.resolve();
    const apply = (settings: ParleySettings) => {
      queue = queue.then(async () => {
        const enabled = isSiteEnabled(settings, location.hostname);
        if (enabled && !ui && !ctx.isInvalid) {
          // The chat code is evaluated only on pages where the bubble shows.
          const { mountChatUi } = await import('../../lib/chat/mount-chat-ui.ts');
          ui = await mountChatUi(ctx);
        } else if (!enabled && ui) {
          ui.remove();
          ui = undefined;
        }
      }).catch((error: unknown) => console.error('[parley] cannot show the chat', error));
    };
    apply(await loadSettings());
    ctx.onInvalidated(settingsItem.watch((settings) => apply({ ...DEFAULT_SETTINGS, ...settings })));
    ctx.onInvalidated(onMessage('toggleChat', () => ui?.toggle()));
    ctx.onInvalidated(onMessage('getPageHost', () => location.hostname));
  },
});
