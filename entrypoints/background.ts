import { defineBackground } from 'wxt/utils/define-background';
import { startBackground } from '../lib/background/start-background.ts';
import { createOffscreenRecorderHost } from '../lib/recorder/offscreen-host.ts';
import { createUnsupportedRecorderHost } from '../lib/recorder/unsupported-host.ts';

export default defineBackground(() => {
  // Chrome records in an offscreen document; Firefox has no offscreen API (its host comes with issue 5).
  const recorderHost = import.meta.env.FIREFOX ? createUnsupportedRecorderHost() : createOffscreenRecorderHost();
  startBackground({ recorderHost });
});
