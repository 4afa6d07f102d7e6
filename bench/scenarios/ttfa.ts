// Scenario 2: time to first audio for a six-sentence spoken answer, from the user's text and from
// AudioEnd to the first audio byte at the client. Parley speaks sentence by sentence; the baseline
// (the naive relay with NAIVE_SPEECH=1, the original v1 behaviour) waits for the whole answer, then
// makes one TTS call. Two baselines: TTS at 250 ms per request (the fake as is) and TTS at 250 ms
// per sentence, i.e. 1.5 s for the whole answer, which is how real TTS cost grows with input.
import { readFile } from 'node:fs/promises';
import { startFakeOpenAI, tokenize, type FakeOpenAI } from '../../tests/fakes/fake-openai.ts';
import { openSession, type BenchClient } from '../lib/bench-client.ts';
import { sleep, toWall, wallNow } from '../lib/clock.ts';
import { REALISTIC } from '../lib/latencies.ts';
import { startNaive, startParley, type BenchRelay } from '../lib/relays.ts';
import { fmtMs, type Row } from '../lib/report.ts';
import type { Scenario } from '../lib/scenario.ts';
import { median } from '../lib/stats.ts';

const SENTENCES = [
  'The capital of France is Paris, a city on the Seine.',
  'It has been the seat of French government for centuries.',
  'About two million people live within the city limits today.',
  'The wider metropolitan area is home to roughly twelve million.',
  'Visitors often start with the Louvre and the Eiffel Tower.',
  'Spring and early autumn are the most pleasant times to visit.',
];
const ANSWER = SENTENCES.join(' ');
const FIRST_SENTENCE_TOKENS = tokenize(`${SENTENCES[0]} `).length;
const RUNS = 5;
const WEBM = new URL('../../tests/fixtures/question.webm', import.meta.url);

/** Earliest possible first audio: the first sentence's last token, then one TTS request. */
function floorMs(fromAudio: boolean): number {
  const { sttMs, firstTokenMs, perTokenMs, ttsMs } = REALISTIC;
  // The first token arrives after firstTokenMs; each later one perTokenMs after the previous.
  return (fromAudio ? sttMs : 0) + firstTokenMs + (FIRST_SENTENCE_TOKENS - 1) * perTokenMs + ttsMs;
}

function firstAudio(client: BenchClient): Promise<number> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no audio within 20 s')), 20_000);
    client.onFrame = (frame, at) => {
      if (frame.type === 'speechAudio' || frame.type === 'naiveAudio') {
        clearTimeout(timer);
        client.onFrame = () => undefined;
        resolve(at);
      } else if (frame.type === 'error') {
        clearTimeout(timer);
        reject(new Error(`${frame.error.code}: ${frame.error.message}`));
      }
    };
  });
}

/** Where Parley's time goes in one run, from the fake's own stamps (same process and clock). */
interface Breakdown {
  /** AudioEnd/text sent → STT (voice) or chat (text) request at the fake. */
  toFirstRequest: number;
  /** STT response finished → chat request at the fake (voice only). */
  sttToChat?: number;
  /** First sentence's last token written → its TTS request at the fake. */
  sentenceToTts: number;
  /** TTS response finished → first audio byte at the client. */
  ttsToClient: number;
}


function breakdown(fake: FakeOpenAI, deltas: number[], start: number, arrival: number): Breakdown | undefined {
  const stt = fake.requests.find((r) => r.endpoint === 'transcription');
  const chat = fake.requests.find((r) => r.endpoint === 'chat');
  const tts = fake.requests.find((r) => r.endpoint === 'speech');
  const lastToken = deltas[FIRST_SENTENCE_TOKENS - 1];
  if (!chat || !tts || tts.endedAt === undefined || lastToken === undefined) return undefined;
  const first = stt ?? chat;
  return {
    toFirstRequest: toWall(first.startedAt) - start,
    ...(stt?.endedAt === undefined ? {} : { sttToChat: chat.startedAt - stt.endedAt }),
    sentenceToTts: toWall(tts.startedAt) - lastToken,
    ttsToClient: arrival - toWall(tts.endedAt),
  };
}

async function measure(relay: BenchRelay, fromAudio: boolean, webm: Uint8Array, fake?: FakeOpenAI, breakdowns: Breakdown[] = []): Promise<number[]> {
  const deltas: number[] = [];
  if (fake) fake.onDelta = () => deltas.push(wallNow());
  const client = await openSession(relay, `ttfa-${relay.kind}-${fromAudio ? 'audio' : 'text'}-${Date.now()}`);
  const v1 = client.dialect === 'v1';
  const samples: number[] = [];
  for (let run = 1; run <= RUNS; run++) {
    const turnId = v1 ? run : 0;
    const audio = firstAudio(client);
    fake?.reset();
    deltas.length = 0;
    let start: number;
    if (fromAudio) {
      // The recording was streamed while the user spoke; only AudioEnd starts the clock.
      client.send({ type: 'audioChunk', turnId, data: webm });
      await sleep(50);
      start = wallNow();
      client.send({ type: 'audioEnd', turnId });
    } else {
      start = wallNow();
      client.send({ type: 'userText', turnId, text: 'Tell me about Paris.' });
    }
    const arrival = await audio;
    samples.push(arrival - start);
    const parts = fake ? breakdown(fake, deltas, start, arrival) : undefined;
    if (parts) breakdowns.push(parts);
    // Let the rest of the answer (and its speech) finish before the next run.
    await sleep(2500);
  }
  client.close();
  if (fake) fake.onDelta = undefined;
  return samples;
}

async function withRelay<T>(start: () => Promise<BenchRelay>, run: (relay: BenchRelay) => Promise<T>): Promise<T> {
  const relay = await start();
  try {
    return await run(relay);
  } finally {
    await relay.stop();
  }
}

export const ttfa: Scenario = {
  name: 'ttfa',
  title: 'time to first audio, six-sentence answer',
  async run(log) {
    const webm = new Uint8Array(await readFile(WEBM));
    const fake: FakeOpenAI = await startFakeOpenAI({ latency: REALISTIC, answer: () => ANSWER });
    // Same latencies except that the single whole-answer TTS request costs 250 ms per sentence.
    const slowTts: FakeOpenAI = await startFakeOpenAI({ latency: { ...REALISTIC, ttsMs: REALISTIC.ttsMs * SENTENCES.length }, answer: () => ANSWER });
    const rows: Row[] = [];
    try {
      for (const fromAudio of [false, true]) {
        const parts: Breakdown[] = [];
        const parley = median(await withRelay(() => startParley(fake, { PARLEY_SPEECH: '1' }), (r) => measure(r, fromAudio, webm, fake, parts)));
        const part = (pick: (b: Breakdown) => number | undefined) => median(parts.map(pick).filter((v): v is number => v !== undefined));
        const where = {
          toFirstRequest: part((b) => b.toFirstRequest),
          sttToChat: fromAudio ? part((b) => b.sttToChat) : undefined,
          sentenceToTts: part((b) => b.sentenceToTts),
          ttsToClient: part((b) => b.ttsToClient),
        };
        log(`  Parley's own time (medians): to first upstream request ${where.toFirstRequest.toFixed(1)} ms${where.sttToChat === undefined ? '' : `, STT done → chat ${where.sttToChat.toFixed(1)} ms`}, first sentence's last token → TTS request ${where.sentenceToTts.toFixed(1)} ms, TTS done → client ${where.ttsToClient.toFixed(1)} ms`);
        const naive = median(await withRelay(() => startNaive(fake, { speech: true }), (r) => measure(r, fromAudio, webm)));
        const naiveScaled = median(await withRelay(() => startNaive(slowTts, { speech: true }), (r) => measure(r, fromAudio, webm)));
        const floor = floorMs(fromAudio);
        const from = fromAudio ? 'from AudioEnd' : 'from text';
        log(`  ${from}: Parley ${parley.toFixed(0)} ms, whole-answer ${naive.toFixed(0)} ms (TTS per sentence ${naiveScaled.toFixed(0)} ms), floor ${floor} ms`);
        const scenario = `2 first audio ${from}`;
        const data = { parley, naive, naiveScaled, floor, runs: RUNS, parleyBreakdown: where };
        rows.push(
          { scenario, metric: 'median (baseline: TTS 250 ms/sentence)', parley: fmtMs(parley, 0), baseline: fmtMs(naiveScaled, 0), target: '≥ 3x sooner', pass: naiveScaled / parley >= 3, data },
          { scenario, metric: 'speed-up vs whole answer, TTS 250 ms/sentence', parley: `${(naiveScaled / parley).toFixed(2)}x`, target: '≥ 3x', pass: naiveScaled / parley >= 3 },
          { scenario, metric: 'speed-up vs whole answer, TTS 250 ms/request', parley: `${(naive / parley).toFixed(2)}x`, baseline: fmtMs(naive, 0), target: '≥ 3x', pass: naive / parley >= 3 },
          {
            scenario,
            metric: 'Parley time: to upstream / sentence→TTS / TTS→client',
            parley: `${fmtMs(where.toFirstRequest)} / ${fmtMs(where.sentenceToTts)} / ${fmtMs(where.ttsToClient)}`,
          },
          { scenario, metric: 'distance to physical floor', parley: fmtMs(parley - floor, 0), baseline: `floor ${fmtMs(floor, 0)}`, target: '≤ 50 ms', pass: parley - floor <= 50 },
        );
      }
    } finally {
      await fake.close();
      await slowTts.close();
    }
    return rows;
  },
};
