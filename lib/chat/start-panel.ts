import { mount } from 'svelte';
import { browser } from 'wxt/browser';
import PanelApp from '../../components/chat/PanelApp.svelte';
import { createChatController } from './chat-controller.svelte.ts';
import { MESSAGE_FOCUSED_MARK } from './panel-marks.ts';
import { watchPanelVisibility } from './panel-visibility.ts';

export type PanelMode = 'frame' | 'side';

/**
 * Mounts the chat in the panel page. The page talks to the background over its own
 * runtime Port: no content script relays anything, so the web page around a frame
 * never sees the conversation, and the side panel works without a page at all.
 */
export async function startPanel(target: HTMLElement, mode: PanelMode): Promise<void> {
  // The observer reports asynchronously, after the controller below exists.
  const visibility = watchPanelVisibility(target, (visible) => controller.actions.setOpen(visible));
  const controller = createChatController({
    canStartRecording: () => visibility.unobscured(),
    connect: (name) => browser.runtime.connect({ name }),
    onInvalidated: () => window.close(),
    openOptions: () => {
      browser.runtime.openOptionsPage().catch((error: unknown) => console.warn('[parley] cannot open the options page', error));
    },
    close: (post) => (mode === 'side' ? window.close() : post({ type: 'close' })),
    // The panel is an extension page: it may ask for a site's host permission on the user's click
    // (checked in Chromium: from the frame in a page the request passes the gesture check and prompts).
    // Firefox gives the in-page frame no permissions API: the background asks in a small window.
    ...(typeof browser.permissions?.request === 'function' ? { requestSiteAccess: (origins: string[]) => browser.permissions.request({ origins }) } : {}),
    hasUserActivation: () => navigator.userActivation?.isActive ?? false,
  });
  document.documentElement.dataset.mode = mode;
  await controller.init();
  mount(PanelApp, { target, props: { chat: controller.state, actions: controller.actions, pageContext: controller.pageContext } });
  // The launcher focuses the frame when it shows it: the cursor goes to the message box.
  const focusMessage = () => target.querySelector('textarea')?.focus();
  // A User Timing mark each time the message box gets focus: "click to focused message box"
  // is how the page-cost bench (bench/scenarios/extension.ts) times opening the panel.
  target.addEventListener('focusin', (event) => {
    if (event.target instanceof HTMLTextAreaElement) performance.mark(MESSAGE_FOCUSED_MARK);
  });
  addEventListener('focus', focusMessage);
  if (document.hasFocus()) focusMessage();
}
