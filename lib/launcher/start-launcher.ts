import { browser } from 'wxt/browser';
import type { ContentScriptContext } from 'wxt/utils/content-script-context';
import { DEFAULT_BUBBLE_POSITION, placePanel, type BubblePosition } from '../chat/layout.ts';
import { isSiteEnabled, type SiteRules } from '../site-rules.ts';
import { createBubble, type Bubble } from './bubble.ts';
import { createHostElement } from './host-element.ts';
import { isLauncherMessage } from './launcher-message.ts';
import { LAUNCHER_CSS } from './launcher-styles.ts';
import { createPanelFrame, type PanelFrame } from './panel-frame.ts';

/** storage.local key of the bubble position; storage.sync key of the settings (lib/settings.ts). */
const BUBBLE_KEY = 'bubblePosition';
const SETTINGS_KEY = 'settings';

interface Launcher {
  toggle(): void;
  close(): void;
  remove(): void;
}

function isPosition(value: unknown): value is BubblePosition {
  const position = value as BubblePosition | undefined;
  return typeof position?.right === 'number' && typeof position.bottom === 'number';
}

function siteEnabled(value: unknown): boolean {
  const rules = value as Partial<SiteRules> | undefined;
  const siteMode = rules?.siteMode ?? 'all';
  return isSiteEnabled({ siteMode, siteList: Array.isArray(rules?.siteList) ? rules.siteList : [] }, location.hostname);
}

/** Puts the bubble on the page; the panel's frame is created on first intent to open. */
function mountLauncher(): Launcher {
  const host = createHostElement(document);
  const shadow = host.attachShadow({ mode: 'closed' });
  const style = document.createElement('style');
  style.textContent = LAUNCHER_CSS;
  shadow.append(style);

  let frame: PanelFrame | undefined;
  let returnFocus: Element | null = null;
  const ensureFrame = () => (frame ??= createPanelFrame(shadow, browser.runtime.getURL('/chat.html')));

  const bubble: Bubble = createBubble({
    root: shadow,
    onToggle: () => (frame?.isShown() ? close() : open()),
    onMoved(position) {
      place();
      browser.storage.local.set({ [BUBBLE_KEY]: position }).catch((error: unknown) => console.warn('[parley] cannot save the bubble position', error));
    },
    // Hovering the bubble starts loading the panel, so a click finds it ready.
    onIntent: () => void ensureFrame(),
  });

  function place() {
    if (frame?.isShown()) frame.show(placePanel(bubble.position(), { width: innerWidth, height: innerHeight }));
  }

  function open() {
    const active = document.activeElement;
    returnFocus = active === host ? null : active;
    const panel = ensureFrame();
    panel.show(placePanel(bubble.position(), { width: innerWidth, height: innerHeight }));
    bubble.setOpen(true);
    panel.focus();
  }

  function close() {
    if (!frame?.isShown()) return;
    const hadFocus = frame.hasFocus(shadow);
    frame.hide();
    bubble.setOpen(false);
    if (!hadFocus) return;
    // Focus goes back where it was before the panel opened, else to the bubble.
    if (returnFocus instanceof HTMLElement && returnFocus.isConnected) returnFocus.focus();
    else bubble.button.focus();
  }

  const onResize = () => {
    bubble.relayout();
    place();
  };
  addEventListener('resize', onResize);
  browser.storage.local
    .get(BUBBLE_KEY)
    .then((stored) => {
      const position = stored[BUBBLE_KEY];
      bubble.setPosition(isPosition(position) ? position : DEFAULT_BUBBLE_POSITION);
    })
    .catch((error: unknown) => console.warn('[parley] cannot read the bubble position', error));
  // Under <html>, not <body>: apps that replace their body keep the launcher.
  document.documentElement.append(host);

  return {
    toggle: () => (frame?.isShown() ? close() : open()),
    close,
    remove() {
      removeEventListener('resize', onResize);
      host.remove();
    },
  };
}

/**
 * The content script: shows the bubble where the settings allow it, and answers
 * the background (shortcut, popup, the panel closing itself). No chat code, no
 * messaging library, no settings UI: every page pays for this file at load.
 */
export function startLauncher(ctx: ContentScriptContext): void {
  let launcher: Launcher | undefined;

  const apply = (settings: unknown) => {
    const enabled = siteEnabled(settings);
    if (enabled && !launcher && !ctx.isInvalid) launcher = mountLauncher();
    else if (!enabled && launcher) {
      launcher.remove();
      launcher = undefined;
    }
  };

  const onMessage = (message: unknown, sender: { id?: string }, sendResponse: (response: unknown) => void) => {
    // Only Parley's own contexts can message a content script; the check costs nothing.
    if (sender.id !== browser.runtime.id || !isLauncherMessage(message)) return;
    if (message.type === 'parley:toggle') launcher?.toggle();
    else if (message.type === 'parley:close') launcher?.close();
    // The popup needs the answer; without a launcher (site off) it gets none and says so.
    if (message.type === 'parley:page-host' && launcher) sendResponse(location.hostname);
    else sendResponse(launcher !== undefined);
  };
  const onStorage = (changes: Record<string, { newValue?: unknown }>, area: string) => {
    if (area === 'sync' && SETTINGS_KEY in changes) apply(changes[SETTINGS_KEY]?.newValue);
  };

  browser.runtime.onMessage.addListener(onMessage);
  browser.storage.onChanged.addListener(onStorage);
  ctx.onInvalidated(() => {
    browser.runtime.onMessage.removeListener(onMessage);
    browser.storage.onChanged.removeListener(onStorage);
    launcher?.remove();
  });
  browser.storage.sync
    .get(SETTINGS_KEY)
    .then((stored) => apply(stored[SETTINGS_KEY]))
    .catch((error: unknown) => {
      console.warn('[parley] cannot read settings; showing the bubble', error);
      apply(undefined);
    });
}
