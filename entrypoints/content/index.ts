import { defineContentScript } from 'wxt/utils/define-content-script';
import { startLauncher } from '../../lib/launcher/start-launcher.ts';

export default defineContentScript({
  matches: ['<all_urls>'],
  runAt: 'document_idle',
  main(ctx) {
    // Top frame of an HTML page only (not iframes, XML or SVG documents).
    if (window.top !== window || !(document.documentElement instanceof HTMLHtmlElement)) return;
    startLauncher(ctx);
  },
});
