// @vitest-environment node
// The fake's speech endpoint with `speechVoice: 'espeak'` returns a voice, not a tone: the fake's own
// recogniser names the sentence in it, and (control) in the default tone it names nothing.
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeOpenAI, type FakeOpenAI } from '../../fakes/fake-openai.ts';
import { createPhraseRecognizer, type PhraseRecognizer } from '../../fakes/fake-recognizer.ts';

const SENTENCE = 'Paris is the capital of France.';
let voiced: FakeOpenAI;
let tone: FakeOpenAI;
let recognizer: PhraseRecognizer;

beforeAll(async () => {
  [voiced, tone, recognizer] = await Promise.all([
    startFakeOpenAI({ speechVoice: 'espeak' }),
    startFakeOpenAI(),
    createPhraseRecognizer([SENTENCE, 'About two million people live there.']),
  ]);
});
afterAll(async () => {
  await Promise.all([voiced.close(), tone.close(), recognizer.dispose()]);
});

async function speech(fake: FakeOpenAI, format: 'mp3' | 'wav'): Promise<Buffer> {
  const client = new OpenAI({ apiKey: fake.apiKey, baseURL: fake.baseURL, maxRetries: 0 });
  const response = await client.audio.speech.create({ model: 'gpt-4o-mini-tts', voice: 'alloy', input: SENTENCE, response_format: format });
  return Buffer.from(await response.arrayBuffer());
}

describe("the fake's espeak-ng voice", () => {
  it.each(['mp3', 'wav'] as const)('reads the input aloud (%s): the recogniser names the sentence', async (format) => {
    const audio = await speech(voiced, format);
    expect(await recognizer.recognize(audio)).toBe(SENTENCE);
  });

  it('control: the default tone holds no sentence', async () => {
    expect(await recognizer.recognize(await speech(tone, 'mp3'))).toBe('');
  });

  it('serves the same rendering again from its cache', async () => {
    const [a, b] = [await speech(voiced, 'mp3'), await speech(voiced, 'mp3')];
    expect(a.equals(b)).toBe(true);
  });
});
