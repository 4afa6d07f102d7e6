// Read-aloud turns (parley.v1 SpeakText): the relay speaks the text sentence by sentence and the
// tab's panel plays each SpeechAudio as it arrives, highlighting its sentence. One reading per tab;
// a new one, Stop, or the tab going away cancels the previous one at the relay.
import { ErrorCode, type ServerMessageOf, type ServerMessageType } from '../../protocol/index.ts';
import type { BackgroundToContent } from '../messages.ts';
import { bytesToBase64 } from './base64.ts';
import type { RelayClient } from './relay-client.ts';

export interface ReadAloudOptions {
  relay: Pick<RelayClient, 'send' | 'isReady' | 'ensureConnected'>;
  post: (tabId: number, message: BackgroundToContent) => void;
  nextTurnId: () => number;
  speechMimeType?: string;
}

export interface ReadAloud {
  /** Starts reading `text` in the tab; false when the relay is not connected (the panel says so). */
  start(tabId: number, text: string, title: string): boolean;
  stop(tabId: number): void;
  /** True when the frame belonged to a reading (and was handled). */
  handleServerMessage(message: ServerMessageOf<ServerMessageType>): boolean;
  handleConnectionLost(): void;
}

export function createReadAloud(options: ReadAloudOptions): ReadAloud {
  const { relay, post } = options;
  /** turnId → tab */
  const readings = new Map<number, number>();
  const turnOf = (tabId: number) => [...readings].find(([, tab]) => tab === tabId)?.[0];

  const end = (turnId: number, message: BackgroundToContent) => {
    const tabId = readings.get(turnId);
    if (tabId === undefined) return;
    readings.delete(turnId);
    post(tabId, message);
  };

  return {
    start(tabId, text, title) {
      this.stop(tabId);
      if (!relay.isReady()) {
        relay.ensureConnected();
        post(tabId, { type: 'readAloud', state: 'error', error: { code: 'NOT_CONNECTED', message: 'Parley is not connected to its relay yet; try again in a moment.' } });
        return false;
      }
      const turnId = options.nextTurnId();
      if (!relay.send({ type: 'speakText', turnId, text })) return false;
      readings.set(turnId, tabId);
      post(tabId, { type: 'readAloud', state: 'started', title });
      return true;
    },
    stop(tabId) {
      const turnId = turnOf(tabId);
      if (turnId === undefined) return;
      relay.send({ type: 'cancel', turnId });
      end(turnId, { type: 'readAloud', state: 'stopped' });
    },
    handleServerMessage(message) {
      if (!('turnId' in message) || !readings.has(message.turnId)) return false;
      const tabId = readings.get(message.turnId) as number;
      if (message.type === 'speechAudio') {
        post(tabId, {
          type: 'readAloudSpeech',
          index: message.index,
          sentence: message.sentence,
          audioBase64: bytesToBase64(message.audio),
          mimeType: options.speechMimeType ?? 'audio/mpeg',
        });
      } else if (message.type === 'textEnd') {
        end(message.turnId, { type: 'readAloud', state: 'ended' });
      } else if (message.type === 'error') {
        const { code, message: text } = message.error;
        end(message.turnId, code === ErrorCode.Cancelled ? { type: 'readAloud', state: 'stopped' } : { type: 'readAloud', state: 'error', error: { code, message: text } });
      }
      return true;
    },
    handleConnectionLost() {
      for (const turnId of [...readings.keys()])
        end(turnId, { type: 'readAloud', state: 'error', error: { code: 'CONNECTION_LOST', message: 'The connection to the relay was lost while reading aloud.' } });
    },
  };
}
