/** Validation limits shared by both ends, so the extension can check before sending. */
export const ProtocolLimits = {
  maxClientIdBytes: 128,
  maxTurnId: 0xffffffff,
  maxSettingsBytes: 16 * 1024,
  maxModelChars: 100,
  maxVoiceChars: 50,
  maxLanguageChars: 16,
  maxSystemPromptChars: 8000,
  maxResumeMessages: 200,
  maxResumeMessageChars: 32000,
  minSpeechSpeed: 0.25,
  maxSpeechSpeed: 4,
  maxContextTitleChars: 300,
  maxContextUrlChars: 2048,
} as const;

export const MODEL_NAME_RE = /^[A-Za-z0-9][A-Za-z0-9._:/-]*$/;
export const VOICE_RE = /^[A-Za-z0-9][A-Za-z0-9_-]*$/;
/** ISO-639-1/3 codes, optionally with a region (Whisper takes the bare code). */
export const LANGUAGE_RE = /^[a-z]{2,3}(-[A-Za-z0-9]{2,8})?$/;
