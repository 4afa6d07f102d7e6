// Speech recognition for the fake's transcription endpoint, so tests can check the words of a turn:
// which of the test's registered phrases a recording holds, or "" when it holds none of them whole.
// Debian's pocketsphinx with its US English model, restricted by a JSGF grammar to exactly one of the
// phrases: free dictation of espeak-ng speech is poor ("what is a lot on"), but choosing among a few
// known phrases is exact, and a clip cut short never reaches the grammar's end, so it yields nothing.
// Figures and the command line: docs/conversation-mode.md ("Fake speech-to-text").
import { execFile } from 'node:child_process';
import { copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { wavFile } from '../helpers/spoken-audio.ts';

const run = promisify(execFile);

export const POCKETSPHINX = '/usr/bin/pocketsphinx_continuous';
export const SPHINX_MODEL_DIR = '/usr/share/pocketsphinx/model/en-us';
const SAMPLE_RATE = 16_000;
/** Quieter recordings are raised to this peak: pocketsphinx missed a phrase 25 dB below full scale. */
const TARGET_PEAK = 0.7 * 32_767;
/** Below this peak (about -50 dBFS) a recording is taken as silence and left as it is. */
const SILENCE_PEAK = 100;

export class RecognizerError extends Error {
  override name = 'RecognizerError';
}

export interface PhraseRecognizer {
  readonly phrases: readonly string[];
  /** The registered phrase the audio (any container ffmpeg reads) holds, as registered; "" for none. */
  recognize(audio: Uint8Array, signal?: AbortSignal): Promise<string>;
  dispose(): Promise<void>;
}

/** Lower case words as the dictionary spells them: "Wait, stop there." → ["wait", "stop", "there"]. */
export function phraseWords(phrase: string): string[] {
  return phrase
    .toLowerCase()
    .replace(/[^a-z']+/g, ' ')
    .split(' ')
    .filter((word) => word !== '');
}

let dictionary: Promise<Map<string, string[]>> | undefined;

/** CMUdict as word → its pronunciation lines (alternates are `word(2)` lines). Read once per process. */
function loadDictionary(): Promise<Map<string, string[]>> {
  dictionary ??= readFile(join(SPHINX_MODEL_DIR, 'cmudict-en-us.dict'), 'utf8').then(
    (text) => {
      const entries = new Map<string, string[]>();
      for (const line of text.split('\n')) {
        const word = /^([^\s(]+)(?:\(\d+\))?\s/.exec(line)?.[1];
        if (word === undefined) continue;
        const lines = entries.get(word);
        if (lines === undefined) entries.set(word, [line]);
        else lines.push(line);
      }
      return entries;
    },
    (error: unknown) => {
      dictionary = undefined;
      throw new RecognizerError(`The fake's speech recognition needs Debian's pocketsphinx-en-us (bash .ci/run installs it): ${String(error)}`, { cause: error });
    },
  );
  return dictionary;
}

/** 16 kHz mono 16-bit PCM, raised to a fixed peak unless it is silence (Chrome's auto gain does the same for a quiet mic). */
async function decodeForRecognition(input: string, signal: AbortSignal | undefined): Promise<Buffer> {
  const { stdout } = await run('ffmpeg', ['-v', 'error', '-nostdin', '-i', input, '-ac', '1', '-ar', String(SAMPLE_RATE), '-f', 's16le', 'pipe:1'], {
    encoding: 'buffer',
    maxBuffer: 256 * 1024 * 1024,
    signal,
  });
  const pcm = Buffer.from(stdout);
  let peak = 0;
  for (let i = 0; i + 1 < pcm.length; i += 2) peak = Math.max(peak, Math.abs(pcm.readInt16LE(i)));
  if (peak >= SILENCE_PEAK && peak < TARGET_PEAK) {
    const gain = TARGET_PEAK / peak;
    for (let i = 0; i + 1 < pcm.length; i += 2) pcm.writeInt16LE(Math.round(pcm.readInt16LE(i) * gain), i);
  }
  return pcm;
}

/**
 * Builds the grammar and a dictionary of just its words in a temporary directory (removed by dispose).
 * Rejects with a RecognizerError for an empty list, a word CMUdict lacks, or two phrases with the same words.
 */
export async function createPhraseRecognizer(phrases: readonly string[]): Promise<PhraseRecognizer> {
  if (phrases.length === 0) throw new RecognizerError('Give the fake at least one phrase to recognise.');
  const words = phrases.map(phraseWords);
  const byWords = new Map<string, string>();
  for (const [i, phrase] of phrases.entries()) {
    const key = (words[i] ?? []).join(' ');
    if (key === '') throw new RecognizerError(`Phrase ${JSON.stringify(phrase)} has no words.`);
    const other = byWords.get(key);
    if (other !== undefined) throw new RecognizerError(`Phrases ${JSON.stringify(other)} and ${JSON.stringify(phrase)} have the same words.`);
    byWords.set(key, phrase);
  }
  const cmudict = await loadDictionary();
  const vocabulary = [...new Set(words.flat())].sort();
  const unknown = vocabulary.filter((word) => !cmudict.has(word));
  if (unknown.length > 0) throw new RecognizerError(`Not in pocketsphinx's dictionary: ${unknown.join(', ')}. Use other words in the test's phrases.`);

  const dir = await mkdtemp(join(tmpdir(), 'parley-recognizer-'));
  const dictPath = join(dir, 'phrases.dict');
  const grammarPath = join(dir, 'phrases.gram');
  await writeFile(dictPath, `${vocabulary.flatMap((word) => cmudict.get(word) ?? []).join('\n')}\n`);
  // One rule per phrase and a public rule that is exactly one of them: no free word order, no repeats.
  const rules = [...byWords.keys()].map((key, i) => `<p${i}> = ${key} ;`);
  const choice = rules.map((_, i) => `<p${i}>`).join(' | ');
  await writeFile(grammarPath, ['#JSGF V1.0;', 'grammar phrases;', `public <utterance> = ${choice} ;`, ...rules, ''].join('\n'));

  let next = 0;
  return {
    phrases: [...phrases],
    async recognize(audio, signal) {
      const id = next++;
      const input = join(dir, `upload-${id}`);
      const wav = join(dir, `upload-${id}.wav`);
      try {
        await writeFile(input, audio);
        const pcm = await decodeForRecognition(input, signal);
        await writeFile(wav, wavFile(pcm, SAMPLE_RATE));
        const { stdout } = await run(
          POCKETSPHINX,
          ['-infile', wav, '-hmm', join(SPHINX_MODEL_DIR, 'en-us'), '-dict', dictPath, '-jsgf', grammarPath, '-logfn', '/dev/null'],
          { signal },
        );
        // One hypothesis line; a recording that never completes a phrase prints an empty one.
        const text = byWords.get(phraseWords(stdout).join(' ')) ?? '';
        // For a test that fails on words: keep what was heard (16 kHz WAV named by the result) to listen to.
        const keep = process.env.PARLEY_FAKE_STT_KEEP;
        if (keep !== undefined && keep !== '') await copyFile(wav, join(keep, `${Date.now()}-${id}-${text === '' ? 'none' : phraseWords(text).join('-')}.wav`));
        return text;
      } finally {
        await Promise.all([rm(input, { force: true }), rm(wav, { force: true })]);
      }
    },
    dispose: () => rm(dir, { recursive: true, force: true }),
  };
}
