// Starts bench/lib/fake-child.ts: the fake OpenAI in its own process (why: fake-child.ts).
import type { FakeLatency, FakeOpenAI } from '../../tests/fakes/fake-openai.ts';
import { spawnJsonChild } from './child.ts';

export interface FakeTranscription {
  /** The uploaded file's size (the fake's TranscriptionRequestBody.bytes). */
  bytes: number;
  /** When the fake's HTTP server saw the request (its headers parsed), on the shared wall clock (clock.ts). */
  startedAt: number;
}

export interface FakeProcess extends Pick<FakeOpenAI, 'baseURL' | 'apiKey'> {
  pid: number;
  transcriptions(): Promise<FakeTranscription[]>;
  stop(): Promise<void>;
}

export async function startFakeProcess(latency: Partial<FakeLatency>): Promise<FakeProcess> {
  const child = spawnJsonChild('bench/lib/fake-child.ts', { FAKE_LATENCY: JSON.stringify(latency) });
  try {
    const { listening } = (await child.next('listening', 20_000)) as { listening: { baseURL: string; apiKey: string } };
    return {
      ...listening,
      pid: child.child.pid ?? 0,
      async transcriptions() {
        child.write('transcriptions');
        return ((await child.next('transcriptions', 10_000)) as { transcriptions: FakeTranscription[] }).transcriptions;
      },
      stop: () => child.stop(),
    };
  } catch (error) {
    await child.stop();
    throw error;
  }
}
