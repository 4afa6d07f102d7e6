// The panel's page-context state (issue 12): the attachment chip and the read-aloud bar. Plain
// state updated from background messages and the player's events; the components only render it.
import type { AttachmentPreview } from '../background/page-context.ts';
import type { BackgroundToContent } from '../messages.ts';
import type { SiteAccessRequest } from '../site-access.ts';

/** Player entry id of read-aloud sentences (never a conversation entry's id, which are UUIDs). */
export const READ_ALOUD_ENTRY = 'parley:read-aloud';

export type ReadingState = 'idle' | 'starting' | 'reading' | 'paused';

type ContextMessage = Extract<BackgroundToContent, { type: 'attachment' | 'readAloud' }>;

export function isContextMessage(message: BackgroundToContent): message is ContextMessage {
  return message.type === 'attachment' || message.type === 'readAloud';
}

export class PageContextState {
  attachment = $state<AttachmentPreview | null>(null);
  /** Why the last attach or reading failed, shown under the controls. */
  error = $state<string | undefined>(undefined);
  previewOpen = $state(false);
  /** The site the last attach or reading needs permission for: the panel offers "Allow". */
  siteAccess = $state<SiteAccessRequest | null>(null);
  /** The browser's prompt (or Parley's window) for that site is open. */
  askingSite = $state(false);
  attaching = $state(false);
  reading = $state<ReadingState>('idle');
  readingTitle = $state('');
  /** The sentence being read now: the highlight. */
  sentence = $state('');
  /** The relay sent the reading's last sentence; it ends when the player is done too. */
  #relayDone = false;

  /** Returns whether the message asks for site access (the panel may ask the browser at once). */
  apply(message: ContextMessage): boolean {
    const site = message.error?.site ?? null;
    // Any other failure, a chip or a reading that started replaces the offer; other updates keep it.
    if (message.error || (message.type === 'attachment' ? message.preview : message.state === 'started')) this.siteAccess = site;
    if (message.type === 'attachment') {
      this.attaching = false;
      this.attachment = message.preview;
      // A missing permission is not an error yet: the panel offers to ask for it.
      this.error = site ? undefined : message.error?.message;
      if (!message.preview) this.previewOpen = false;
      return site !== null;
    }
    switch (message.state) {
      case 'started':
        this.reading = 'reading';
        this.readingTitle = message.title ?? '';
        this.sentence = '';
        this.error = undefined;
        this.#relayDone = false;
        break;
      case 'ended':
        this.#relayDone = true;
        break;
      case 'stopped':
        this.endReading();
        break;
      case 'error':
        this.endReading();
        this.error = site ? undefined : message.error?.message;
        break;
    }
    return site !== null;
  }

  /** The player started a read-aloud sentence. */
  sentenceStarted(sentence: string): void {
    if (this.reading === 'idle') return;
    this.sentence = sentence.trim();
  }

  /** The player went quiet: a reading whose last sentence arrived is over. */
  playerIdle(): void {
    if (this.#relayDone && this.reading !== 'paused') this.endReading();
  }

  endReading(): void {
    this.reading = 'idle';
    this.sentence = '';
    this.readingTitle = '';
    this.#relayDone = false;
  }
}

/** "12,400 characters", "cut to 24,000 of 96,310 characters". */
export function describeSize(preview: Pick<AttachmentPreview, 'chars' | 'originalChars' | 'truncated'>): string {
  const n = (value: number) => value.toLocaleString('en-US');
  return preview.truncated ? `cut to ${n(preview.chars)} of ${n(preview.originalChars)} characters` : `${n(preview.chars)} characters`;
}
