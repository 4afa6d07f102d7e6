// Scenario 13: conversation mode end to end, measured at the sound (issue 11). Chromium with the built
// extension and the real relay against the fake OpenAI; the voice engine's microphone is the monitor of
// a PulseAudio "room" sink the bench speaks espeak-ng phrases into, its speaker another sink the bench
// records (bench/lib/pulse-audio.ts). Both recordings share one clock, so:
// - end of speech → first audio: the end of the question in the room → the answer's first sound on the
//   speaker (what the user hears; the panel types that sentence when the engine reports it playing);
// - barge-in onset → silence: the start of an interruption in the room → the answer on the speaker
//   ducked (the engine lowers it on speech onset) or stopped (once speech is confirmed);
// - self-triggered turns: transcriptions beyond the questions the bench asked, while answers played
//   with nobody speaking over them.
import { loadavg } from 'node:os';
import { REALISTIC } from '../lib/latencies.ts';
import { loudest } from '../lib/levels.ts';
import { loadEcho, loadNullSink, record, REC_RATE, startPulse } from '../lib/pulse-audio.ts';
import { startSpeechProxy, type SpeechProxy } from '../lib/speech-proxy.ts';
import { startParley, type BenchRelay } from '../lib/relays.ts';
import { fmtMs, type Row } from '../lib/report.ts';
import type { Scenario } from '../lib/scenario.ts';
import { median, percentile } from '../lib/stats.ts';
import { launchVoiceBrowser, type VoiceBrowser } from '../lib/voice-browser.ts';
import { bargeInRuns, checkClocks, echoRuns, endOfSpeechRuns, voiceTurns, type EosRun, type VoiceRig } from '../lib/voice-runs.ts';
import { startFakeOpenAI, tokenize, type FakeOpenAI } from '../../tests/fakes/fake-openai.ts';
import { sleep } from '../lib/clock.ts';
import { build } from './extension.ts';

/** Speculative transcription on the bench's relay: `off` measures the code path as it was before it. */
const SPECULATIVE = process.env.PARLEY_STT_SPECULATIVE ?? 'on';
/** The options' default end-of-turn silence. */
const SILENCE_MS = 800;
const EOS_RUNS = Number(process.env.PARLEY_BENCH_VOICE_RUNS ?? 10);
const BARGE_RUNS = EOS_RUNS;
const ECHO_RUNS = Math.max(1, Math.round(EOS_RUNS / 2));
/** One sentence: it is complete (and spoken) when the stream ends, so the floor below is exact. */
const SHORT_ANSWER = 'The capital of France is Paris.';
/** About 11 s of fake speech (60 ms per character), long enough to be interrupted in its first sentence. */
const LONG_ANSWER =
  'The capital of France is Paris, a city on the river Seine in the north of the country. ' +
  'It has been the seat of French government for centuries, and about two million people live there today.';
/** Spoken by espeak-ng through the speech proxy in the speakers phase: it has to sound like a voice. */
const SPOKEN_ANSWER = 'Paris has many museums. The Louvre is the largest art museum in the world, and millions of people visit it every year.';

/**
 * The earliest the first sound could come after the end of speech with this fake, less the configured
 * silence: the fake's STT, its first token, one token interval per further token of the (only) sentence,
 * and one TTS request. Everything else (voice detection, recording, upload, relay, decoding, playout) is
 * what Parley adds on top of silence + floor.
 */
const TOKENS = tokenize(SHORT_ANSWER).length;
const PIPELINE_FLOOR_MS = REALISTIC.sttMs + REALISTIC.firstTokenMs + (TOKENS - 1) * REALISTIC.perTokenMs + REALISTIC.ttsMs;
const BUDGET_MS = SILENCE_MS + PIPELINE_FLOOR_MS + 100;

const round = (values: readonly number[]) => values.map((v) => Math.round(v * 10) / 10);
const fmtLoad = (load: readonly number[]) => load.map((v) => v.toFixed(2)).join(' / ');

/** What speculative transcription cost in the end-of-speech runs: requests per turn, and how many turns used one. */
function speculationRow(scenario: string, eos: EosRun[], turns: Array<Record<string, unknown>>): Row {
  const requests = eos.reduce((sum, r) => sum + r.sttRequests, 0);
  const speculated = turns.reduce((sum, t) => sum + (typeof t.sttSpeculations === 'number' ? t.sttSpeculations : 0), 0);
  const used = turns.filter((t) => t.sttSpeculationUsed === true).length;
  return {
    scenario,
    metric: `STT requests per turn (PARLEY_STT_SPECULATIVE=${SPECULATIVE}; ${turns.length} turns: ${speculated} speculative, ${used} used)`,
    parley: (requests / Math.max(1, eos.length)).toFixed(2),
    data: { sttRequests: eos.map((r) => r.sttRequests), speculative: speculated, used, turns: turns.length },
  };
}

function eosRows(scenario: string, eos: EosRun[], missed: number, clockCheck: number[]): Row[] {
  const samples = eos.map((r) => r.ms).sort((a, b) => a - b);
  const med = median(samples);
  const p95 = percentile(samples, 95);
  const part = (pick: (p: NonNullable<EosRun['parts']>) => number) => median(eos.flatMap((r) => (r.parts ? [pick(r.parts)] : [])));
  const breakdown = {
    endOfSpeechToEngineEndOfTurn: median(eos.flatMap((r) => (r.engineEndOfTurnMs === undefined ? [] : [r.engineEndOfTurnMs]))),
    endOfSpeechToSttRequest: part((p) => p.toStt),
    sttToChat: part((p) => p.sttToChat),
    lastTokenToTts: part((p) => p.lastTokenToTts),
    ttsToSound: part((p) => p.ttsToSound),
  };
  const baseline = `silence ${SILENCE_MS} + floor ${PIPELINE_FLOOR_MS} ms`;
  return [
    {
      scenario,
      metric: `end of speech → first audio, median (${eos.length} turns${missed > 0 ? `; ${missed} questions unanswered within 15 s` : ''})`,
      parley: fmtMs(med, 0),
      baseline,
      target: `≤ ${BUDGET_MS} ms`,
      pass: med <= BUDGET_MS,
      data: { samples: round(samples), missed, clockCheckMs: round(clockCheck), silenceMs: SILENCE_MS, pipelineFloorMs: PIPELINE_FLOOR_MS, latency: REALISTIC, answerTokens: TOKENS, breakdown, runs: eos },
    },
    { scenario, metric: 'end of speech → first audio, p95', parley: fmtMs(p95, 0), baseline, target: `≤ ${BUDGET_MS} ms`, pass: p95 <= BUDGET_MS },
    {
      scenario,
      metric: 'of which (medians): engine ends the turn / STT request / STT→chat / last token→TTS / TTS→sound',
      parley: [breakdown.endOfSpeechToEngineEndOfTurn, breakdown.endOfSpeechToSttRequest, breakdown.sttToChat, breakdown.lastTokenToTts, breakdown.ttsToSound].map((v) => fmtMs(v, 0)).join(' / '),
    },
  ];
}

export const voice: Scenario = {
  name: 'voice',
  title: 'conversation mode at the sound: end of speech → first audio, barge-in, self-triggered turns',
  async run(log) {
    build();
    await startPulse();
    const tag = `${process.pid}_${Date.now() % 100_000}`;
    const speaker = await loadNullSink(`parley_bench_speaker_${tag}`);
    const room = await loadNullSink(`parley_bench_room_${tag}`);
    const spk = record(speaker.monitor);
    const roomRec = record(room.monitor);
    let answer = SHORT_ANSWER;
    let fake: FakeOpenAI | undefined;
    let proxy: SpeechProxy | undefined;
    let relay: BenchRelay | undefined;
    let browser: VoiceBrowser | undefined;
    let echoPath: { unload(): Promise<void> } | undefined;
    try {
      const clockCheck = await checkClocks(room, speaker, roomRec, spk);
      log(`  method check: room → speaker through a 20 ms PulseAudio loopback measured ${clockCheck.map((v) => `${v.toFixed(0)} ms`).join(', ')}`);
      fake = await startFakeOpenAI({ latency: REALISTIC, answer: () => answer });
      proxy = await startSpeechProxy(fake);
      relay = await startParley(fake, { PARLEY_SPEECH: '1', OPENAI_BASE_URL: proxy.baseURL, PARLEY_STT_SPECULATIVE: SPECULATIVE });
      browser = await launchVoiceBrowser({ sink: speaker.name, source: room.monitor });
      const loadAtStart = loadavg();
      await browser.startConversation({ relayUrl: relay.wsUrl, speech: true, typingEffect: true, endOfTurnSilenceMs: SILENCE_MS, echoCancellation: true }, relay.token ?? '');
      const echo = (await browser.events()).find((e) => e.type === 'echo');
      log(`  echo self-check: ${echo?.fullDuplex === true ? 'full duplex' : 'HALF DUPLEX'} (${String(echo?.reason)}, residual ${Number(echo?.residualDb).toFixed(1)} dBFS)`);
      await sleep(500);
      const running = browser;
      const restart = async () => {
        // A pause ends the conversation in the background; should the toggle find it still running, it ends it.
        if (!(await running.toggleConversation()) && !(await running.toggleConversation())) throw new Error('conversation mode did not start again');
      };
      const rig: VoiceRig = { fake, room, roomRec, spk, events: browser.events, restart, relayLogs: relay.logs, log };

      const eosLogsFrom = relay.logs.length;
      const { runs: eos, missed } = await endOfSpeechRuns(rig, EOS_RUNS, TOKENS);
      const asked = eos.length + missed;
      // Turns, not transcription requests: a turn whose speculation was not used made two or more.
      await sleep(200);
      const eosTurnLogs = voiceTurns(relay.logs, eosLogsFrom);
      const eosTurns = eosTurnLogs.length;
      const eosInterrupts = (await browser.events()).filter((e) => e.type === 'interrupt').length;
      // A missed question may still have made a turn (answered late): only turns beyond the questions count.
      const selfTriggered = Math.max(0, eosTurns - asked);

      answer = LONG_ANSWER;
      fake.reset();
      const barge = await bargeInRuns(rig, BARGE_RUNS);

      // Speakers: the conversation starts again with the speaker's sound coming back into the room (the
      // self-check now measures a real echo), and the answers are spoken by a voice.
      if (await browser.toggleConversation()) throw new Error('conversation mode did not end');
      echoPath = await loadEcho(speaker, room);
      proxy.speechLike = true;
      answer = SPOKEN_ANSWER;
      fake.reset();
      const echoFrom = Date.now();
      if (!(await browser.toggleConversation())) throw new Error('conversation mode did not start again');
      const speakersEcho = (await browser.events()).find((e) => e.type === 'echo' && e.at >= echoFrom);
      // Before the first question the only sound in the room is the chirp's echo: how loud it reached the mic.
      const chirpEchoDb = loudest(roomRec.samples(), REC_RATE, roomRec.indexAt(echoFrom), roomRec.indexAt(speakersEcho?.at ?? Date.now()));
      log(`  with echo, self-check: ${speakersEcho?.fullDuplex === true ? 'full duplex' : 'HALF DUPLEX'} (${String(speakersEcho?.reason)}; chirp echo in the room ${chirpEchoDb.toFixed(1)} dBFS, residual after cancellation ${Number(speakersEcho?.residualDb).toFixed(1)} dBFS)`);
      const speakersLogsFrom = relay.logs.length;
      const speakers = await echoRuns(rig, ECHO_RUNS);
      await sleep(200);
      const speakersTurns = voiceTurns(relay.logs, speakersLogsFrom).length;
      const speakersInterrupts = (await browser.events()).filter((e) => e.type === 'interrupt' && e.at >= echoFrom).length;

      const loadAtEnd = loadavg();
      log(`  load average ${fmtLoad(loadAtStart)} → ${fmtLoad(loadAtEnd)}`);

      // Silence as the user hears it: the answer ducked or stopped, whichever came first.
      const quieted = barge.runs
        .map((r) => Math.min(r.duckMs ?? Number.POSITIVE_INFINITY, r.stopMs ?? Number.POSITIVE_INFINITY))
        .filter((v) => Number.isFinite(v))
        .sort((a, b) => a - b);
      const quietP95 = percentile(quieted, 95);
      const stops = barge.runs.flatMap((r) => (r.stopMs === undefined ? [] : [r.stopMs])).sort((a, b) => a - b);
      const confirmed = barge.runs.filter((r) => r.interruptReportedMs !== undefined).length;
      const scenario = '13 conversation mode';
      return [
        ...eosRows(scenario, eos, missed, clockCheck),
        speculationRow(scenario, eos, eosTurnLogs),
        {
          scenario,
          metric: `barge-in onset → answer ducked or stopped, p95 (${quieted.length} of ${barge.runs.length} runs)`,
          parley: fmtMs(quietP95, 0),
          target: '≤ 200 ms, every run',
          pass: quieted.length === barge.runs.length && quietP95 <= 200,
          data: { samples: round(quieted), runs: barge.runs, phrasesSpoken: barge.spoken, setupsSkipped: barge.skipped, transcriptions: fake.requests.filter((r) => r.endpoint === 'transcription').length },
        },
        {
          scenario,
          metric: `barge-in onset → answer stopped, median (${stops.length} of ${barge.runs.length} runs; ${confirmed} interrupts reported)`,
          parley: fmtMs(median(stops), 0),
          data: { samples: round(stops) },
        },
        {
          scenario,
          metric: `self-triggered turns (${asked} questions, ${eos.length} answers heard, no speech over them)`,
          parley: `${selfTriggered} turns, ${eosInterrupts} interrupts`,
          target: '0',
          pass: selfTriggered === 0 && eosInterrupts === 0,
          data: { voiceTurns: eosTurns, questions: asked, interrupts: eosInterrupts, echo },
        },
        {
          scenario,
          metric: `self-triggered turns on speakers (echo back into the mic, spoken answers; ${speakers.asked} questions; ${speakersEcho?.fullDuplex === true ? 'full duplex' : 'half duplex: the self-check heard the echo'})`,
          parley: `${Math.max(0, speakersTurns - speakers.asked)} turns, ${speakersInterrupts} interrupts${speakers.settled ? '' : ', did not settle'}`,
          target: '0',
          pass: speakersTurns <= speakers.asked && speakersInterrupts === 0 && speakers.settled,
          data: { voiceTurns: speakersTurns, questions: speakers.asked, interrupts: speakersInterrupts, settled: speakers.settled, echo: speakersEcho, chirpEchoInRoomDb: chirpEchoDb },
        },
        { scenario, metric: 'load average (1 / 5 / 15 min), start → end', parley: `${fmtLoad(loadAtStart)} → ${fmtLoad(loadAtEnd)}`, data: { loadAtStart, loadAtEnd } },
      ] satisfies Row[];
    } finally {
      // Whatever was started, in reverse; the sinks and recordings last, so nothing plays into a missing sink.
      await browser?.close().catch(() => undefined);
      await relay?.stop();
      await proxy?.close();
      await fake?.close();
      await echoPath?.unload();
      await spk.stop();
      await roomRec.stop();
      await speaker.unload();
      await room.unload();
    }
  },
};
