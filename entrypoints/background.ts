import { defineBackground } from 'wxt/utils/define-background';

export default defineBackground(() => {
  // Wired up in the extension issue: relay client, tab router, offscreen control.
});
