import { browser } from 'wxt/browser';
import { sendMessage } from '../messages.ts';
import type { RecorderHost, RecorderStartResult } from './recorder-host.ts';

/**
 * Chrome's recorder host: an offscreen document with reason USER_MEDIA (the
 * service worker has no getUserMedia). Only one offscreen document may exist per
 * extension, so creation checks runtime.getContexts and shares one in-flight
 * promise. The document is closed after `idleCloseMs` without recording.
 */
export interface OffscreenHostOptions {
  idleCloseMs?: number;
  log?: (message: string, error?: unknown) => void;
}

export function createOffscreenRecorderHost(options: OffscreenHostOptions = {}): RecorderHost {
  const path = 'offscreen.html';
  const idleCloseMs = options.idleCloseMs ?? 30_000;
  const log = options.log ?? ((message: string, error?: unknown) => console.warn(`[parley] ${message}`, error ?? ''));
  let creating: Promise<void> | undefined;
  let closeTimer: ReturnType<typeof setTimeout> | undefined;
  /** Conversation mode holds the document open (its engine listens between turns). */
  let holds = 0;

  async function hasDocument(): Promise<boolean> {
    const contexts = await browser.runtime.getContexts({
      contextTypes: ['OFFSCREEN_DOCUMENT'],
      documentUrls: [browser.runtime.getURL('/offscreen.html')],
    });
    return contexts.length > 0;
  }

  async function ensureDocument(): Promise<void> {
    if (closeTimer !== undefined) clearTimeout(closeTimer);
    closeTimer = undefined;
    if (await hasDocument()) return;
    creating ??= browser.offscreen
      .createDocument({
        url: path,
        reasons: ['USER_MEDIA'],
        justification: 'Records your voice message with the microphone while you hold the Parley mic button.',
      })
      .finally(() => {
        creating = undefined;
      });
    await creating;
  }

  function scheduleClose() {
    if (closeTimer !== undefined) clearTimeout(closeTimer);
    if (holds > 0) return;
    closeTimer = setTimeout(() => {
      closeTimer = undefined;
      hasDocument()
        .then((open) => (open ? browser.offscreen.closeDocument() : undefined))
        // Closing an already closed document is harmless; it is only logged.
        .catch((error: unknown) => log('cannot close the offscreen document', error));
    }, idleCloseMs);
  }

  // A worker stopped by the browser loses its close timer; a recorder page it left open
  // is closed after the idle delay unless a new recording claims it first.
  scheduleClose();

  return {
    async start(turnId): Promise<RecorderStartResult> {
      try {
        await ensureDocument();
        return await sendMessage('recorderStart', { turnId });
      } catch (error) {
        scheduleClose();
        log('cannot start the recorder', error);
        return { ok: false, code: 'FAILED', message: `Parley could not start its recorder (${error instanceof Error ? error.message : String(error)}).` };
      }
    },
    async stop(discard) {
      try {
        if (await hasDocument()) await sendMessage('recorderStop', { discard });
      } catch (error) {
        // No document or no listener means nothing is recording: the stop already holds.
        log('cannot reach the recorder to stop it', error);
      }
      scheduleClose();
    },
    async holdEngine() {
      holds++;
      try {
        await ensureDocument();
      } catch (error) {
        holds--;
        scheduleClose();
        throw error;
      }
      let released = false;
      return () => {
        if (released) return;
        released = true;
        holds--;
        scheduleClose();
      };
    },
    dispose() {
      if (closeTimer !== undefined) clearTimeout(closeTimer);
    },
  };
}
