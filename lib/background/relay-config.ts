import { loadSettings, tokenItem, type ParleySettings } from '../settings.ts';
import type { SessionSettings } from '../../protocol/index.ts';

/**
 * Relay URL and token checks, shared by the background (before connecting) and
 * the options page (before saving), so both say the same thing.
 */
export type FieldCheck = { ok: true } | { ok: false; message: string };

/** Loopback hosts, where an unencrypted ws:// never leaves the computer. */
export function isLoopbackHost(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '[::1]' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(hostname);
}

export function checkRelayUrl(value: string): FieldCheck {
  let url: URL;
  try {
    url = new URL(value.trim());
  } catch {
    // new URL throws TypeError for anything unparsable; the message below says more.
    return { ok: false, message: 'Enter a WebSocket URL such as ws://127.0.0.1:3002 or wss://relay.example.com.' };
  }
  if (url.protocol !== 'ws:' && url.protocol !== 'wss:') return { ok: false, message: 'The relay URL must start with ws:// or wss://.' };
  if (url.hash) return { ok: false, message: 'The relay URL cannot contain a #fragment.' };
  // Over ws:// the token and every word said would cross the network in the clear (issue 10): refused,
  // here and therefore in the background before it connects, not merely warned about.
  if (url.protocol === 'ws:' && !isLoopbackHost(url.hostname))
    return { ok: false, message: 'A relay on another computer needs wss:// (TLS); ws:// is only for a relay on this computer (localhost, 127.0.0.1).' };
  return { ok: true };
}

/** The token travels as a WebSocket subprotocol, which only allows RFC 7230 token characters. */
const TOKEN_RE = /^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/;

export function checkToken(value: string): FieldCheck {
  if (value === '') return { ok: false, message: 'Enter the token your relay prints at start (PARLEY_TOKEN).' };
  if (!TOKEN_RE.test(value)) return { ok: false, message: 'The token may only contain letters, digits and . _ - ~ and similar symbols (no spaces).' };
  return { ok: true };
}

export type RelayConfig = { ok: true; url: string; token: string } | { ok: false; detail: string };

export async function loadRelayConfig(): Promise<RelayConfig> {
  const [settings, token] = await Promise.all([loadSettings(), tokenItem.getValue()]);
  const url = checkRelayUrl(settings.relayUrl);
  if (!url.ok) return { ok: false, detail: `Relay URL: ${url.message}` };
  const tok = checkToken(token);
  if (!tok.ok) return { ok: false, detail: token === '' ? 'No relay token yet: set it in Parley options.' : `Token: ${tok.message}` };
  return { ok: true, url: settings.relayUrl.trim(), token };
}

/** The Settings frame: only what the user set; empty strings mean "the relay's default". */
export function toSessionSettings(settings: ParleySettings): SessionSettings {
  const out: SessionSettings = { speech: settings.speech };
  if (settings.model) out.model = settings.model;
  if (settings.voice) out.voice = settings.voice;
  // 1 is the relay's default: not sent, so relays older than the speed setting keep working.
  if (settings.speechSpeed !== 1) out.speed = settings.speechSpeed;
  if (settings.language) out.language = settings.language;
  if (settings.systemPrompt) out.systemPrompt = settings.systemPrompt;
  return out;
}
