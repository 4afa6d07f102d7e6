// The panel's page-context state (issue 12): the attachment chip and the read-aloud bar. Plain
// state updated from background messages and the player's events; the components only render it.
import type { AttachmentPreview } from '../background/page-context.ts';
import type { BackgroundToContent } from '../messages.ts';

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
  attaching = $state(false);
  reading = $state<ReadingState>('idle');
  readingTitle = $state('');
  /** The sentence being read now: the highlight. */
  sentence = $state('');
  /** The relay sent the reading's last sentence; it ends when the player is done too. */
  #relayDone = false;

  apply(message: ContextMessage): void {
    if (message.type === 'attachment') {
      this.attaching = false;
      this.attachment = message.preview;
      this.error = message.error?.message;
      if (!message.preview) this.previewOpen = false;
      return;
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
        this.error = message.error?.message;
        break;
    }
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
