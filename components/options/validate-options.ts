import { LANGUAGE_RE, MODEL_NAME_RE, ProtocolLimits } from '../../protocol/index.ts';
import { checkRelayUrl, checkToken } from '../../lib/background/relay-config.ts';
import { END_OF_TURN_SILENCE_MS, SPEECH_SPEEDS, VOICES, type ParleySettings } from '../../lib/settings.ts';

/**
 * The options form as typed: the settings, plus the token (kept apart in storage.local), with the site
 * list as the user entered it. Derived from ParleySettings so a new setting cannot be left out of the form.
 */
export type OptionsForm = Omit<ParleySettings, 'siteList'> & {
  token: string;
  /** One hostname per line (commas also separate). */
  siteList: string;
};

export type OptionsField = keyof OptionsForm;

export interface OptionsCheck {
  errors: Partial<Record<OptionsField, string>>;
  warnings: Partial<Record<OptionsField, string>>;
  /** Present only when there is no error. */
  settings?: ParleySettings;
  token: string;
}

export const LANGUAGES: readonly { code: string; name: string }[] = [
  { code: '', name: 'Auto-detect' },
  { code: 'en', name: 'English' },
  { code: 'es', name: 'Spanish' },
  { code: 'fr', name: 'French' },
  { code: 'de', name: 'German' },
  { code: 'it', name: 'Italian' },
  { code: 'pt', name: 'Portuguese' },
  { code: 'nl', name: 'Dutch' },
  { code: 'pl', name: 'Polish' },
  { code: 'sv', name: 'Swedish' },
  { code: 'tr', name: 'Turkish' },
  { code: 'ru', name: 'Russian' },
  { code: 'uk', name: 'Ukrainian' },
  { code: 'ar', name: 'Arabic' },
  { code: 'hi', name: 'Hindi' },
  { code: 'ja', name: 'Japanese' },
  { code: 'ko', name: 'Korean' },
  { code: 'zh', name: 'Chinese' },
];

const HOST_RE = /^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$/;

/** "https://Example.com/x", "*.example.com" and "example.com" all mean example.com (subdomains included). */
export function normaliseHost(raw: string): string | undefined {
  let host = raw.trim().toLowerCase();
  if (host === '') return undefined;
  if (host.includes('://')) {
    try {
      host = new URL(host).hostname;
    } catch {
      // Not a URL after all: validated as a bare hostname below.
    }
  }
  host = host.replace(/^\*\./, '').replace(/\.$/, '');
  return HOST_RE.test(host) ? host : undefined;
}

export function checkOptions(form: OptionsForm): OptionsCheck {
  const errors: OptionsCheck['errors'] = {};
  const warnings: OptionsCheck['warnings'] = {};

  const url = checkRelayUrl(form.relayUrl);
  if (!url.ok) errors.relayUrl = url.message;

  const token = form.token.trim();
  const tok = checkToken(token);
  if (!tok.ok) errors.token = tok.message;

  const model = form.model.trim();
  if (model !== '' && (model.length > ProtocolLimits.maxModelChars || !MODEL_NAME_RE.test(model))) {
    errors.model = 'Enter a model name such as gpt-4o-mini (letters, digits, . _ : / -), or leave empty for the relay default.';
  }
  if (!(VOICES as readonly string[]).includes(form.voice)) errors.voice = 'Choose a voice from the list.';
  if (!(SPEECH_SPEEDS as readonly number[]).includes(form.speechSpeed)) errors.speechSpeed = 'Choose a speed from the list.';
  const silence = form.endOfTurnSilenceMs;
  if (!Number.isInteger(silence) || silence < END_OF_TURN_SILENCE_MS.min || silence > END_OF_TURN_SILENCE_MS.max) {
    errors.endOfTurnSilenceMs = `Enter a whole number of milliseconds from ${END_OF_TURN_SILENCE_MS.min} to ${END_OF_TURN_SILENCE_MS.max}.`;
  }
  if (form.language !== '' && !LANGUAGE_RE.test(form.language)) errors.language = 'Choose a language from the list.';
  if (form.systemPrompt.length > ProtocolLimits.maxSystemPromptChars) {
    errors.systemPrompt = `The system prompt is ${form.systemPrompt.length} characters; the limit is ${ProtocolLimits.maxSystemPromptChars}.`;
  }

  const entries = form.siteList.split(/[\n,]/).map((line) => line.trim()).filter((line) => line !== '');
  const hosts: string[] = [];
  const bad: string[] = [];
  for (const entry of entries) {
    const host = normaliseHost(entry);
    if (host) {
      if (!hosts.includes(host)) hosts.push(host);
    } else bad.push(entry);
  }
  if (bad.length > 0) errors.siteList = `Not a hostname: ${bad.slice(0, 3).join(', ')}. Use one site per line, like example.com.`;
  else if (form.siteMode === 'allowlist' && hosts.length === 0) errors.siteList = 'List at least one site, or choose "On all sites".';

  if (Object.keys(errors).length > 0) return { errors, warnings, token };
  return {
    errors,
    warnings,
    token,
    settings: {
      relayUrl: form.relayUrl.trim(),
      model,
      voice: form.voice,
      language: form.language,
      speech: form.speech,
      speechSpeed: form.speechSpeed,
      endOfTurnSilenceMs: silence,
      echoCancellation: form.echoCancellation,
      typingEffect: form.typingEffect,
      systemPrompt: form.systemPrompt.trim(),
      siteMode: form.siteMode,
      siteList: hosts,
    },
  };
}

export function toForm(settings: ParleySettings, token: string): OptionsForm {
  return { ...settings, token, siteList: settings.siteList.join('\n') };
}
