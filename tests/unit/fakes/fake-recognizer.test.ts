// @vitest-environment node
// The fake speech-to-text's recognition (pocketsphinx with a grammar of the test's phrases) on espeak-ng
// speech made here: each phrase is told from the others, and a clipped recording, silence or noise give
// "" rather than the nearest phrase. Through the fake's HTTP endpoint, an opus upload as Chrome makes it.
import OpenAI, { toFile } from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultTranscript, startFakeOpenAI, type FakeOpenAI } from '../../fakes/fake-openai.ts';
import { createPhraseRecognizer, phraseWords, RecognizerError, type PhraseRecognizer } from '../../fakes/fake-recognizer.ts';
import { silencePcm, speakPcm, wavFile, webmOpus } from '../../helpers/spoken-audio.ts';

const RATE = 48_000;
const PHRASES = ['What is the capital of France?', 'And how many people live there?', 'Wait, stop there please.'] as const;
const [CAPITAL, PEOPLE, STOP] = PHRASES;

let recognizer: PhraseRecognizer;
const speech = new Map<string, Buffer>();

function noisePcm(ms: number, amplitude: number): Buffer {
  const pcm = silencePcm(ms, RATE);
  let seed = 7;
  for (let i = 0; i + 1 < pcm.length; i += 2) {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    pcm.writeInt16LE(Math.round((seed / 0x7fffffff - 0.5) * 2 * amplitude), i);
  }
  return pcm;
}

/** The phrase with half a second of silence either side, as a turn's recording has. */
function recording(phrase: string, cut: (pcm: Buffer) => Buffer = (pcm) => pcm): Buffer {
  const pcm = speech.get(phrase);
  if (pcm === undefined) throw new Error(`not spoken: ${phrase}`);
  return wavFile(Buffer.concat([silencePcm(500, RATE), cut(pcm), silencePcm(500, RATE)]), RATE);
}
/** Whole 16-bit samples: a cut at an odd byte would shift every later sample. */
const half = (pcm: Buffer, which: 'first' | 'second'): Buffer => {
  const middle = Math.floor(pcm.length / 4) * 2;
  return which === 'first' ? pcm.subarray(0, middle) : pcm.subarray(middle);
};

beforeAll(async () => {
  for (const phrase of PHRASES) speech.set(phrase, speakPcm(phrase, RATE));
  recognizer = await createPhraseRecognizer(PHRASES);
}, 60_000);
afterAll(() => recognizer.dispose());

describe('phrase recognition', () => {
  it.each(PHRASES)('names %j and no other phrase', async (phrase) => {
    expect(await recognizer.recognize(recording(phrase))).toBe(phrase);
  });

  it('tells which of two recordings holds which phrase, in any order', async () => {
    const results = await Promise.all([recognizer.recognize(recording(PEOPLE)), recognizer.recognize(recording(CAPITAL))]);
    expect(results).toEqual([PEOPLE, CAPITAL]);
  });

  it('recognises opus in webm, as Chrome records it', async () => {
    expect(await recognizer.recognize(webmOpus(recording(STOP)))).toBe(STOP);
  });

  it('recognises a quiet recording (25 dB down) and one with noise under it', async () => {
    const quieter = (pcm: Buffer): Buffer => {
      const out = Buffer.alloc(pcm.length);
      for (let i = 0; i + 1 < pcm.length; i += 2) out.writeInt16LE(Math.round(pcm.readInt16LE(i) / 17.8), i);
      return out;
    };
    expect(await recognizer.recognize(recording(CAPITAL, quieter))).toBe(CAPITAL);
    const noisy = (pcm: Buffer): Buffer => {
      const noise = noisePcm((pcm.length / 2 / RATE) * 1000, 600);
      const out = Buffer.alloc(pcm.length);
      for (let i = 0; i + 1 < pcm.length; i += 2) out.writeInt16LE(Math.max(-32768, Math.min(32767, pcm.readInt16LE(i) + noise.readInt16LE(i))), i);
      return out;
    };
    expect(await recognizer.recognize(recording(PEOPLE, noisy))).toBe(PEOPLE);
  });

  it.each(PHRASES)('gives "" for either half of %j', async (phrase) => {
    expect(await recognizer.recognize(recording(phrase, (pcm) => half(pcm, 'first')))).toBe('');
    expect(await recognizer.recognize(recording(phrase, (pcm) => half(pcm, 'second')))).toBe('');
  });

  it('gives "" for silence and for noise', async () => {
    expect(await recognizer.recognize(wavFile(silencePcm(2000, RATE), RATE))).toBe('');
    expect(await recognizer.recognize(wavFile(noisePcm(2000, 2000), RATE))).toBe('');
  });

  it('gives "" for speech that is not a registered phrase', async () => {
    const other = wavFile(speakPcm('The weather is nice today.', RATE), RATE);
    expect(await recognizer.recognize(other)).toBe('');
  });

  it('refuses phrases it cannot recognise, saying which', async () => {
    await expect(createPhraseRecognizer([])).rejects.toThrow(RecognizerError);
    await expect(createPhraseRecognizer(['Ask Xyzzyplugh now'])).rejects.toThrow(/xyzzyplugh/);
    await expect(createPhraseRecognizer(['Stop there.', 'stop, there!'])).rejects.toThrow(/same words/);
    expect(phraseWords("Wait, stop there. Don't!")).toEqual(['wait', 'stop', 'there', "don't"]);
  });
});

describe('the fake transcription endpoint with phrases', () => {
  let fake: FakeOpenAI;
  let client: OpenAI;
  beforeAll(async () => {
    fake = await startFakeOpenAI();
    client = new OpenAI({ apiKey: fake.apiKey, baseURL: fake.baseURL, maxRetries: 0 });
  });
  afterAll(() => fake.close());

  const transcribe = async (audio: Buffer): Promise<string> =>
    (await client.audio.transcriptions.create({ file: await toFile(audio, 'recording.webm', { type: 'audio/webm' }), model: 'gpt-4o-mini-transcribe' })).text;

  it('answers with the phrase the upload holds, "" for a clipped one, and the default again once phrases are cleared', async () => {
    const upload = webmOpus(recording(PEOPLE));
    // Control: without phrases, every upload is the default transcript, whatever it holds.
    expect(await transcribe(upload)).toBe(defaultTranscript());
    await fake.setPhrases(PHRASES);
    expect(await transcribe(upload)).toBe(PEOPLE);
    expect(await transcribe(webmOpus(recording(PEOPLE, (pcm) => half(pcm, 'first'))))).toBe('');
    expect(fake.requests.filter((r) => r.endpoint === 'transcription').map((r) => r.transcript)).toEqual([defaultTranscript(), PEOPLE, '']);
    await fake.setPhrases(undefined);
    expect(await transcribe(upload)).toBe(defaultTranscript());
  });

  it('rejects an unknown word when phrases are set, keeping the phrases it had', async () => {
    await fake.setPhrases([STOP]);
    await expect(fake.setPhrases(['Qwxzv'])).rejects.toThrow(RecognizerError);
    expect(await transcribe(webmOpus(recording(STOP)))).toBe(STOP);
    await fake.setPhrases(undefined);
  });
});
