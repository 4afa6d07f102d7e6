// The relay's turn defaults for unit tests that run the turn runner through its upstream seam.
import type { TurnDefaults } from '../../server/session/turn-services.ts';

export const TEST_TURN_DEFAULTS: TurnDefaults = {
  chatModel: 'gpt-4o-mini',
  sttModel: 'gpt-4o-mini-transcribe',
  ttsModel: 'gpt-4o-mini-tts',
  voice: 'alloy',
  language: '',
  systemPrompt: 'Be brief.',
  historyMaxTurns: 20,
  ttsConcurrency: 1,
  readAloudLeadMs: 20_000,
  speech: false,
};
