import { defineBackground } from 'wxt/utils/define-background';
import { startBackground } from '../lib/background/start-background.ts';
import { createOffscreenRecorderHost } from '../lib/recorder/offscreen-host.ts';
import { createWindowRecorderHost } from '../lib/recorder/window-host.ts';

export default defineBackground(() => {
  // Chrome records in an offscreen document; Firefox has no offscreen API and records in a
  // small visible extension window (docs/firefox.md says why).
  const recorderHost = import.meta.env.FIREFOX ? createWindowRecorderHost() : createOffscreenRecorderHost();
  startBackground({ recorderHost });
});
