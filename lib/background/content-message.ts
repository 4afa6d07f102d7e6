import type { ContentToBackground } from '../messages.ts';
import { isHostName } from '../site-access.ts';

/** The longest message the background accepts from a tab (the relay has its own, usually lower, limit). */
export const MAX_USER_TEXT_CHARS = 32_000;
/** The relay's default PARLEY_MAX_READ_ALOUD_CHARS; the relay refuses more with its own limit anyway. */
export const MAX_READ_ALOUD_CHARS = 100_000;

type Parser = (raw: Record<string, unknown>) => ContentToBackground | undefined;
const bare =
  <T extends ContentToBackground['type']>(type: T): Parser =>
  () =>
    ({ type }) as ContentToBackground;

const PARSERS: Record<ContentToBackground['type'], Parser> = {
  hello: bare('hello'),
  send: (raw) =>
    typeof raw.text === 'string' && raw.text.length <= MAX_USER_TEXT_CHARS ? { type: 'send', text: raw.text } : undefined,
  retry: (raw) => (typeof raw.entryId === 'string' && raw.entryId.length <= 100 ? { type: 'retry', entryId: raw.entryId } : undefined),
  cancel: bare('cancel'),
  newChat: bare('newChat'),
  startRecording: bare('startRecording'),
  stopRecording: bare('stopRecording'),
  discardRecording: bare('discardRecording'),
  toggleConversation: bare('toggleConversation'),
  reconnect: bare('reconnect'),
  close: bare('close'),
  attachPage: bare('attachPage'),
  attachSelection: bare('attachSelection'),
  removeAttachment: bare('removeAttachment'),
  readAloud: (raw) => {
    if (raw.text === undefined) {
      if (raw.kind === undefined) return { type: 'readAloud' };
      return raw.kind === 'page' || raw.kind === 'selection' ? { type: 'readAloud', kind: raw.kind } : undefined;
    }
    return typeof raw.text === 'string' && raw.text.length <= MAX_READ_ALOUD_CHARS ? { type: 'readAloud', text: raw.text } : undefined;
  },
  stopReadAloud: bare('stopReadAloud'),
  requestSiteAccess: (raw) => (typeof raw.host === 'string' && isHostName(raw.host) ? { type: 'requestSiteAccess', host: raw.host } : undefined),
};

/** Validates a chat port message; anything else (a compromised page's junk) is undefined. */
export function parseContentMessage(raw: unknown): ContentToBackground | undefined {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return undefined;
  const record = raw as Record<string, unknown>;
  const type = record.type;
  if (typeof type !== 'string' || !Object.hasOwn(PARSERS, type)) return undefined;
  return PARSERS[type as ContentToBackground['type']](record);
}
