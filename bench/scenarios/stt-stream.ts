// Streamed transcription (issue 11, PARLEY_STT_STREAM): what it saves from the end of the user's audio
// (AudioEnd) to the first words shown, the final transcript, the first answer chunk and the first audio,
// with streaming on and off against the same fake.
// Latency model (the fake's, not measured on OpenAI): the chat and TTS latencies of every timing
// scenario (bench/lib/latencies.ts), and a transcription that takes 300 ms before its first piece of
// text (upload, audio encoding) and then STT_PER_PIECE_MS per word as the model decodes. Unstreamed, the
// JSON comes once every word is decoded; streamed, each word goes out as it is decoded and the final
// event comes at that same moment. So streaming can only bring the words forward, not the answer:
// the chat request needs the final text either way.
import { readFile } from 'node:fs/promises';
import { startFakeOpenAI, tokenize, type FakeOpenAI } from '../../tests/fakes/fake-openai.ts';
import { openSession, type BenchClient } from '../lib/bench-client.ts';
import { sleep, wallNow } from '../lib/clock.ts';
import { REALISTIC } from '../lib/latencies.ts';
import { startParley } from '../lib/relays.ts';
import { fmtMs, type Row } from '../lib/report.ts';
import type { Scenario } from '../lib/scenario.ts';
import { median } from '../lib/stats.ts';

/** A spoken question of ordinary length (22 words). */
const QUESTION = 'Could you tell me what the weather is usually like in Paris in early spring, and what I should pack for a week there?';
const ANSWER = 'Early spring in Paris is mild but changeable. Pack layers, a light rain jacket and comfortable shoes.';
/** Decoding time per word: about 50 tokens a second at 1.3 tokens a word. */
const STT_PER_PIECE_MS = 25;
const RUNS = 7;
const WEBM = new URL('../../tests/fixtures/question.webm', import.meta.url);

interface Marks {
  firstWords: number;
  transcript: number;
  firstChunk: number;
  firstAudio: number;
}

/** One voice turn: times from AudioEnd to each mark, on the shared clock. */
function turn(client: BenchClient, turnId: number, webm: Uint8Array): Promise<Marks> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('turn did not end within 20 s')), 20_000);
    const marks: Partial<Marks> = {};
    let start = 0;
    client.onFrame = (frame, at) => {
      if (!('turnId' in frame) || frame.turnId !== turnId) return;
      const since = at - start;
      if (frame.type === 'transcriptPartial') marks.firstWords ??= since;
      else if (frame.type === 'transcript') {
        marks.transcript = since;
        marks.firstWords ??= since;
      } else if (frame.type === 'textChunk') marks.firstChunk ??= since;
      else if (frame.type === 'speechAudio') marks.firstAudio ??= since;
      else if (frame.type === 'textEnd' || frame.type === 'error') {
        clearTimeout(timer);
        client.onFrame = () => undefined;
        if (frame.type === 'error') reject(new Error(`${frame.error.code}: ${frame.error.message}`));
        else if (marks.firstWords === undefined || marks.transcript === undefined || marks.firstChunk === undefined || marks.firstAudio === undefined)
          reject(new Error('a voice turn ended without transcript, text or audio'));
        else resolve(marks as Marks);
      }
    };
    // The recording was streamed while the user spoke; only AudioEnd starts the clock.
    client.send({ type: 'audioChunk', turnId, data: webm });
    void sleep(50).then(() => {
      start = wallNow();
      client.send({ type: 'audioEnd', turnId });
    });
  });
}

async function measure(fake: FakeOpenAI, stream: 'on' | 'off', webm: Uint8Array): Promise<Marks[]> {
  const relay = await startParley(fake, { PARLEY_SPEECH: '1', PARLEY_STT_STREAM: stream });
  try {
    const client = await openSession(relay, `stt-stream-${stream}-${Date.now()}`);
    const samples: Marks[] = [];
    for (let run = 1; run <= RUNS; run++) {
      samples.push(await turn(client, run, webm));
      await sleep(300);
    }
    client.close();
    return samples;
  } finally {
    await relay.stop();
  }
}

export const sttStream: Scenario = {
  name: 'stt-stream',
  title: 'streamed transcription: AudioEnd to words, transcript, answer and audio, stream on vs off',
  async run(log) {
    const webm = new Uint8Array(await readFile(WEBM));
    const pieces = tokenize(QUESTION).length;
    const fake = await startFakeOpenAI({ latency: { ...REALISTIC, sttPerTokenMs: STT_PER_PIECE_MS }, transcript: () => QUESTION, answer: () => ANSWER });
    const rows: Row[] = [];
    try {
      const on = await measure(fake, 'on', webm);
      const off = await measure(fake, 'off', webm);
      const decodeMs = pieces * STT_PER_PIECE_MS;
      log(`  model: STT ${REALISTIC.sttMs} ms to first text + ${STT_PER_PIECE_MS} ms × ${pieces} words = ${REALISTIC.sttMs + decodeMs} ms; chat first token ${REALISTIC.firstTokenMs} ms, ${REALISTIC.perTokenMs} ms/token; TTS ${REALISTIC.ttsMs} ms`);
      const scenario = '12 streamed transcription (from AudioEnd)';
      const metrics: Array<[keyof Marks, string]> = [
        ['firstWords', 'first words shown'],
        ['transcript', 'final transcript'],
        ['firstChunk', 'first answer chunk'],
        ['firstAudio', 'first audio'],
      ];
      for (const [key, label] of metrics) {
        const streamed = median(on.map((m) => m[key]));
        const whole = median(off.map((m) => m[key]));
        log(`  ${label}: stream on ${streamed.toFixed(0)} ms, off ${whole.toFixed(0)} ms, saved ${(whole - streamed).toFixed(0)} ms`);
        const row: Row = {
          scenario,
          metric: `${label}: stream on (baseline off), median of ${RUNS}`,
          parley: fmtMs(streamed, 0),
          baseline: fmtMs(whole, 0),
          data: { streamed, whole, saved: whole - streamed, runs: RUNS, sttMs: REALISTIC.sttMs, sttPerPieceMs: STT_PER_PIECE_MS, pieces },
        };
        // The words must come sooner by most of the decoding time; nothing after them may get slower.
        if (key === 'firstWords') Object.assign(row, { target: `≥ ${Math.round(decodeMs / 2)} ms sooner`, pass: whole - streamed >= decodeMs / 2 });
        else Object.assign(row, { target: 'no later (+20 ms)', pass: streamed - whole <= 20 });
        rows.push(row);
      }
    } finally {
      await fake.close();
    }
    return rows;
  },
};
