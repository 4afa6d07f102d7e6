// The voice benchmark's runs (scenario 13, bench/scenarios/voice.ts): speak into the room, watch the
// speaker. Every moment is read from the two recordings (one clock); the engine's own reports (service
// worker arrival times) and the fake's request stamps are kept beside them to show where the time goes.
import { toWall, wallNow, sleep } from './clock.ts';
import { dbfs, firstAbove, firstDrop, firstWithin, lastAbove } from './levels.ts';
import { loadLoopback, play, REC_RATE, type NullSink, type Recording } from './pulse-audio.ts';
import { speakPcm, SPEAK_RATE } from './speak.ts';
import type { EngineLogEntry } from './voice-browser.ts';
import type { FakeOpenAI } from '../../tests/fakes/fake-openai.ts';

const QUESTIONS = ['What is the capital of France?', 'How many people live there?', 'Tell me about the river.'];
const INTERRUPTION = 'Wait, stop there please.';

/** Room speech is louder than this (espeak-ng peaks near -10 dBFS; the room is digital silence otherwise). */
const SPEECH_DB = -50;
/** The fake's answers (a 440 Hz tone) reach the speaker at about -42 dBFS RMS; between answers it is digital silence. */
const PLAYING_DB = -60;
const QUIET_DB = -70;

export interface VoiceRig {
  fake: FakeOpenAI;
  room: NullSink;
  roomRec: Recording;
  spk: Recording;
  events: () => Promise<EngineLogEntry[]>;
  /** Starts the conversation again after the engine paused itself (12 s without speech ends it). */
  restart: () => Promise<void>;
  relayLogs: string[];
  log: (line: string) => void;
}

export async function waitFor<T>(what: string, probe: () => T | undefined, timeoutMs: number, everyMs = 20): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(everyMs);
  }
}

export interface EosRun {
  endOfSpeech: number;
  firstAudio: number;
  ms: number;
  /** Parts of it from the fake's stamps (same clock). */
  parts: { toStt: number; sttToChat: number; lastTokenToTts: number; ttsToSound: number } | undefined;
  /** Transcription requests the question cost (more than 1 when a speculation was not used). */
  sttRequests: number;
  /** The engine's own report that the sentence started (its playback clock − end of speech). */
  engineClipStartMs: number | undefined;
  /** The engine's report that the turn ended ("thinking" reaching the service worker − end of speech). */
  engineEndOfTurnMs: number | undefined;
}

export interface BargeRun {
  onset: number;
  /** onset → the answer ducked (6-24 dB below its level for 30 ms), or undefined if it never did. */
  duckMs: number | undefined;
  /** onset → the speaker silent for 300 ms (stopped). */
  stopMs: number | undefined;
  /** onset → the engine's interrupt report reaching the service worker. */
  interruptReportedMs: number | undefined;
  answerDb: number;
}

function parts(fake: FakeOpenAI, from: number, endOfSpeech: number, firstAudio: number, deltas: number[], tokens: number): EosRun['parts'] {
  const after = fake.requests.filter((r) => toWall(r.startedAt) >= from);
  const chat = after.find((r) => r.endpoint === 'chat');
  // The transcription the answer came from: with speculative transcription, the last one that completed
  // before the chat started (earlier ones were superseded or aborted).
  const stt = after.filter((r) => r.endpoint === 'transcription' && r.outcome === 'completed' && (!chat || r.startedAt < chat.startedAt)).at(-1);
  const tts = after.find((r) => r.endpoint === 'speech');
  const lastToken = deltas.filter((d) => d >= from).at(tokens - 1);
  if (!stt?.endedAt || !chat || !tts?.endedAt || lastToken === undefined) return undefined;
  return {
    toStt: toWall(stt.startedAt) - endOfSpeech,
    sttToChat: chat.startedAt - stt.endedAt,
    lastTokenToTts: toWall(tts.startedAt) - lastToken,
    ttsToSound: firstAudio - toWall(tts.endedAt),
  };
}

/** `runsWanted` questions, each answered by `tokens` tokens of one sentence; the next is asked once the engine listens again. */
export async function endOfSpeechRuns(rig: VoiceRig, runsWanted: number, tokens: number): Promise<{ runs: EosRun[]; missed: number }> {
  const { fake, room, roomRec, spk, events, log } = rig;
  const deltas: number[] = [];
  fake.onDelta = () => deltas.push(wallNow());
  const phrases = QUESTIONS.map((q) => speakPcm(q));
  const runs: EosRun[] = [];
  let missed = 0;
  for (let i = 0; runs.length < runsWanted; i++) {
    if (missed > runsWanted) throw new Error(`${missed} questions got no answer`);
    const from = wallNow();
    const relayLogsBefore = rig.relayLogs.length;
    await play(room.name, phrases[i % phrases.length] as Buffer, SPEAK_RATE);
    const soundAt = await waitFor('the answer\'s first sound', () => firstAbove(spk.samples(), REC_RATE, spk.indexAt(from), Number.MAX_SAFE_INTEGER, PLAYING_DB), 15_000).catch(() => undefined);
    if (soundAt === undefined) {
      // A question the engine did not take as a turn (or a turn that was not answered) is a result: count it, go on.
      missed++;
      const seen = (await events()).filter((e) => e.at >= from).map((e) => `${String(e.phase ?? e.type)}@${(e.at - from).toFixed(0)}`);
      const upstream = rig.fake.requests.filter((r) => toWall(r.startedAt) >= from).map((r) => `${r.endpoint} ${r.outcome}${r.endpoint === 'transcription' ? ` ${JSON.stringify(r.body)}` : ''}`);
      log(`  question ${i + 1}: no answer within 15 s (engine reports since it was asked: ${seen.join(' ') || 'none'}; upstream: ${upstream.join(', ') || 'none'})`);
      for (const line of rig.relayLogs.slice(relayLogsBefore).filter((l) => /warn|error/i.test(l)).slice(-5)) log(`    relay: ${line.trim().slice(0, 300)}`);
      await listeningAgain(rig, 30_000);
      continue;
    }
    const firstAudio = spk.timeOf(soundAt);
    const end = lastAbove(roomRec.samples(), REC_RATE, roomRec.indexAt(from), roomRec.indexAt(firstAudio), SPEECH_DB);
    if (end === undefined) throw new Error('the question was not heard in the room recording');
    const endOfSpeech = roomRec.timeOf(end);
    await listeningAgain(rig, 20_000);
    const reports = (await events()).filter((e) => e.at >= from);
    const clip = reports.find((e) => e.type === 'clipStart');
    const thinking = reports.find((e) => e.type === 'phase' && e.phase === 'thinking');
    const run: EosRun = {
      endOfSpeech,
      firstAudio,
      ms: firstAudio - endOfSpeech,
      parts: parts(fake, from, endOfSpeech, firstAudio, deltas, tokens),
      sttRequests: fake.requests.filter((r) => r.endpoint === 'transcription' && toWall(r.startedAt) >= from).length,
      engineClipStartMs: clip ? Number(clip.startedAt) - endOfSpeech : undefined,
      engineEndOfTurnMs: thinking ? thinking.at - endOfSpeech : undefined,
    };
    runs.push(run);
    const p = run.parts;
    log(`  turn ${runs.length}: end of speech → first sound ${run.ms.toFixed(0)} ms, ${run.sttRequests} STT request(s)${p ? ` (to STT request ${p.toStt.toFixed(0)}, STT→chat ${p.sttToChat.toFixed(0)}, last token→TTS ${p.lastTokenToTts.toFixed(0)}, TTS→sound ${p.ttsToSound.toFixed(0)})` : ''}; engine: end of turn ${run.engineEndOfTurnMs?.toFixed(0) ?? '—'} ms, clipStart ${run.engineClipStartMs?.toFixed(0) ?? '—'} ms`);
  }
  fake.onDelta = undefined;
  return { runs, missed };
}

/**
 * Waits until the engine listens again (its latest phase report) and the speaker has been quiet a while;
 * starts the conversation again if the engine paused it.
 */
async function listeningAgain(rig: VoiceRig, timeoutMs: number): Promise<void> {
  const { events, spk } = rig;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const phase = (await events()).filter((e) => e.type === 'phase').at(-1)?.phase;
    if (phase === 'off' || phase === 'paused') {
      rig.log('  (the engine paused after 12 s without speech: conversation started again)');
      await rig.restart();
      continue;
    }
    const s = spk.samples();
    const quiet = REC_RATE * 0.8;
    if (phase === 'listening' && s.length > quiet && lastAbove(s, REC_RATE, s.length - quiet, s.length, PLAYING_DB) === undefined) return;
    if (Date.now() > deadline) throw new Error(`the engine did not return to listening within ${timeoutMs} ms (phase ${String(phase)})`);
    await sleep(100);
  }
}

/** The player's duck gain (0.2) is -14 dB: a ducked answer sits in this band below its own level (silence is far below). */
const DUCK_BAND_DB = [-24, -6] as const;
/** Stopped, not a glitch: quiet at least this long (an underrun on a loaded machine is shorter). */
const STOP_HOLD_MS = 300;

/**
 * Each run interrupts an answer 1.5 s into its first sentence. An interruption the engine confirms is a
 * turn, and its answer is the next one to interrupt; one it misses lets the answer play out, and the next
 * run starts over with a question.
 */
export async function bargeInRuns(rig: VoiceRig, runsWanted: number): Promise<{ runs: BargeRun[]; spoken: number; skipped: number }> {
  const { room, roomRec, spk, events, log } = rig;
  const question = speakPcm(QUESTIONS[0] as string);
  const interruption = speakPcm(INTERRUPTION);
  const runs: BargeRun[] = [];
  let spoken = 0;
  let skipped = 0;
  let from: number | undefined;
  while (runs.length < runsWanted) {
    if (skipped > runsWanted) throw new Error(`${skipped} barge-in runs found no answer playing`);
    if (from === undefined) {
      await listeningAgain(rig, 30_000);
      from = wallNow();
      await play(room.name, question, SPEAK_RATE);
      spoken++;
    }
    const after = from;
    // The answer (to the question, or to the last interruption, which is a turn of its own) starts playing.
    const soundAt = await waitFor('an answer to play', () => firstAbove(spk.samples(), REC_RATE, spk.indexAt(after), Number.MAX_SAFE_INTEGER, PLAYING_DB), 20_000);
    await waitFor('1.5 s of the answer', () => (spk.samples().length > soundAt + REC_RATE * 1.5 ? true : undefined), 5000);
    const s = spk.samples();
    const answerDb = dbfs(s, s.length - REC_RATE * 0.3, s.length);
    if (answerDb < PLAYING_DB) {
      // What started was not an answer that goes on (a leftover of the last one): set up again.
      skipped++;
      from = undefined;
      continue;
    }
    const sent = wallNow();
    await play(room.name, interruption, SPEAK_RATE);
    spoken++;
    const onsetIdx = firstAbove(roomRec.samples(), REC_RATE, roomRec.indexAt(sent), roomRec.samples().length, SPEECH_DB);
    if (onsetIdx === undefined) throw new Error('the interruption was not heard in the room recording');
    const onset = roomRec.timeOf(onsetIdx);
    // Confirmation needs 250 ms of speech; on a loaded machine the report can take seconds.
    let confirmed: EngineLogEntry | undefined;
    const deadline = Date.now() + 4000;
    while (!confirmed && Date.now() < deadline) {
      confirmed = (await events()).find((e) => e.type === 'interrupt' && e.at >= onset - 50);
      if (!confirmed) await sleep(100);
    }
    await sleep(STOP_HOLD_MS + 100);
    const startIdx = spk.indexAt(onset);
    const horizon = spk.indexAt(onset + 5000);
    const duck = firstWithin(spk.samples(), REC_RATE, startIdx, horizon, answerDb + DUCK_BAND_DB[0], answerDb + DUCK_BAND_DB[1], 30);
    const stop = firstDrop(spk.samples(), REC_RATE, startIdx, horizon, QUIET_DB, STOP_HOLD_MS);
    const run: BargeRun = {
      onset,
      answerDb,
      duckMs: duck === undefined ? undefined : spk.timeOf(duck) - onset,
      stopMs: stop === undefined ? undefined : spk.timeOf(stop) - onset,
      interruptReportedMs: confirmed ? confirmed.at - onset : undefined,
    };
    runs.push(run);
    log(`  barge-in ${runs.length}: answer at ${answerDb.toFixed(1)} dBFS; onset → ducked ${run.duckMs?.toFixed(0) ?? 'never'} ms, → stopped ${run.stopMs?.toFixed(0) ?? 'never'} ms; engine's interrupt report ${run.interruptReportedMs?.toFixed(0) ?? 'never'} ms`);
    // Confirmed: the interruption is a turn and its answer comes next. Missed: start over once it played out.
    from = confirmed && stop !== undefined ? Math.max(confirmed.at, spk.timeOf(stop)) + 100 : undefined;
  }
  await listeningAgain(rig, 30_000);
  return { runs, spoken, skipped };
}


/**
 * Speakers: `runsWanted` questions whose (spoken) answers come back into the room. Each question should
 * make one turn; anything more came from the assistant's own voice. Stops early, without throwing, if the
 * engine does not settle (a loop of it answering itself is a result, not a failure of the bench).
 */
export async function echoRuns(rig: VoiceRig, runsWanted: number): Promise<{ asked: number; settled: boolean }> {
  const { room, log } = rig;
  const phrases = QUESTIONS.map((q) => speakPcm(q));
  let asked = 0;
  for (let i = 0; i < runsWanted; i++) {
    const settled = await listeningAgain(rig, 45_000).then(
      () => true,
      () => false,
    );
    if (!settled) return { asked, settled };
    await play(room.name, phrases[i % phrases.length] as Buffer, SPEAK_RATE);
    asked++;
    log(`  with echo: question ${asked} asked`);
    // Its answer must start before "listening again" means it is over.
    await sleep(1500);
  }
  const settled = await listeningAgain(rig, 45_000).then(
    () => true,
    () => false,
  );
  return { asked, settled };
}

/**
 * A check of the method, before the browser starts: the room looped straight into the speaker sink
 * (PulseAudio aims at 20 ms), a burst played into the room, its onset found in both recordings. What this
 * measures beyond the loop's own latency is the most the two recordings' clocks can disagree by.
 */
export async function checkClocks(room: NullSink, speaker: NullSink, roomRec: Recording, spk: Recording): Promise<number[]> {
  const loop = await loadLoopback(room.monitor, speaker.name);
  const burst = Buffer.alloc(SPEAK_RATE * 0.2 * 2);
  for (let i = 0; i < burst.length / 2; i++) burst.writeInt16LE(Math.round(Math.sin(i / 5) * 8000), i * 2);
  const delays: number[] = [];
  try {
    await sleep(500);
    for (let i = 0; i < 3; i++) {
      const from = wallNow();
      await play(room.name, burst, SPEAK_RATE);
      await sleep(300);
      const inRoom = firstAbove(roomRec.samples(), REC_RATE, roomRec.indexAt(from), roomRec.samples().length, SPEECH_DB);
      const onSpeaker = firstAbove(spk.samples(), REC_RATE, spk.indexAt(from), spk.samples().length, SPEECH_DB);
      if (inRoom !== undefined && onSpeaker !== undefined) delays.push(spk.timeOf(onSpeaker) - roomRec.timeOf(inRoom));
    }
  } finally {
    await loop.unload();
  }
  await sleep(300);
  return delays;
}

/** Voice turns the relay ran since log line `from` (its "turn" log lines): what a user saw become a turn. */
export function voiceTurns(relayLogs: readonly string[], from = 0): Array<Record<string, unknown>> {
  return relayLogs.slice(from).flatMap((line) => {
    if (!line.includes('"msg":"turn"')) return [];
    try {
      const record = JSON.parse(line) as Record<string, unknown>;
      return record.msg === 'turn' && record.kind === 'voice' ? [record] : [];
    } catch {
      // Not a JSON log line (a hint on stderr): not a turn.
      return [];
    }
  });
}
