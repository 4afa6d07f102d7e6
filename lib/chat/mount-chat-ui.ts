import { mount, unmount } from 'svelte';
import { browser } from 'wxt/browser';
import type { ContentScriptContext } from 'wxt/utils/content-script-context';
import { createShadowRootUi } from 'wxt/utils/content-script-ui/shadow-root';
import App from '../../components/chat/App.svelte';
import { sendMessage } from '../messages.ts';
import { createChatController } from './chat-controller.svelte.ts';

export interface ChatUi {
  toggle(): void;
  remove(): void;
}

/**
 * Mounts the launcher (and, on first open, the panel) in a closed shadow root:
 * page CSS can't reach in, our CSS can't leak out, page scripts can't read the
 * chat through the DOM, and key events stop at the shadow root so page hotkeys
 * don't fire while typing. The host hangs off <html> rather than <body> so apps
 * that replace their body keep it.
 */
export async function mountChatUi(ctx: ContentScriptContext): Promise<ChatUi> {
  let remove = () => undefined as void;
  const controller = createChatController({
    connect: (name) => browser.runtime.connect({ name }),
    onInvalidated: () => remove(),
    openOptions: () => {
      sendMessage('openOptions').catch((error: unknown) => console.warn('[parley] cannot open the options page', error));
    },
  });
  await controller.init();
  const ui = await createShadowRootUi(ctx, {
    name: 'parley-chat',
    position: 'overlay',
    zIndex: 2147483647,
    anchor: () => document.documentElement,
    append: 'last',
    mode: 'closed',
    isolateEvents: true,
    onMount: (target) => mount(App, { target, props: { chat: controller.state, actions: controller.actions } }),
    onRemove: (app) => {
      if (app) void unmount(app);
      controller.dispose();
    },
  });
  ui.mount();
  remove = () => ui.remove();
  return { toggle: controller.toggle, remove };
}
