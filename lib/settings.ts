import { storage } from 'wxt/utils/storage';
import type { SiteRules } from './site-rules.ts';

/**
 * User settings. Everything but the token syncs across the user's browsers;
 * the token stays on this device (storage.local) because it unlocks the relay.
 */
export interface ParleySettings extends SiteRules {
  /** ws:// (local relay) or wss:// (remote relay) URL of the relay's WebSocket port. */
  relayUrl: string;
  /** Chat model; empty means the relay's default. */
  model: string;
  voice: string;
  /** ISO-639-1 code of the user's speech; empty means auto-detect. */
  language: string;
  /** Spoken answers on/off. */
  speech: boolean;
  /** Speaking rate of spoken answers (text-to-speech `speed`), one of SPEECH_SPEEDS. */
  speechSpeed: number;
  /** Conversation mode: silence that ends the user's turn, END_OF_TURN_SILENCE_MS range. */
  endOfTurnSilenceMs: number;
  /**
   * Conversation mode: the browser's echo cancellation on the mic (on by default). Off only for a
   * headset that cancels echo itself; Parley then runs half-duplex (docs/conversation-mode.md).
   */
  echoCancellation: boolean;
  /** Type replies character by character (in step with audio when speech is on). */
  typingEffect: boolean;
  /** Empty means the relay's default system prompt. */
  systemPrompt: string;
}

export const DEFAULT_SETTINGS: ParleySettings = {
  relayUrl: 'ws://127.0.0.1:3002',
  model: '',
  voice: 'alloy',
  language: '',
  speech: true,
  speechSpeed: 1,
  endOfTurnSilenceMs: 800,
  echoCancellation: true,
  typingEffect: true,
  systemPrompt: '',
  siteMode: 'all',
  siteList: [],
};

export const VOICES = ['alloy', 'ash', 'ballad', 'coral', 'echo', 'fable', 'nova', 'onyx', 'sage', 'shimmer', 'verse'] as const;

export const SPEECH_SPEEDS = [0.75, 1, 1.25, 1.5, 2] as const;
/** Issue 11: 800 ms by default; shorter cuts people off mid-thought, longer feels slow. */
export const END_OF_TURN_SILENCE_MS = { min: 300, max: 3000 } as const;

export const settingsItem = storage.defineItem<ParleySettings>('sync:settings', { fallback: DEFAULT_SETTINGS });
export const tokenItem = storage.defineItem<string>('local:token', { fallback: '' });

/** Reads settings, filling fields added since they were saved. */
export async function loadSettings(): Promise<ParleySettings> {
  return { ...DEFAULT_SETTINGS, ...(await settingsItem.getValue()) };
}

export { isSiteEnabled } from './site-rules.ts';
