// Conversation mode on Chromium in a room where the speaker reaches the microphone (private-pulse.ts: a
// private PulseAudio server, Chromium's output looped back into its input, attenuated), as on a laptop
// without headphones. The test speaks by playing espeak-ng phrases into the room when it chooses, and
// the fake speech-to-text names the phrase each turn held (fake-recognizer.ts), so assertions are on
// words. Scenarios and their controls:
// - barge-in (the users' build): the self-check picks full duplex, and a phrase spoken over the playing
//   answer interrupts it (one Interrupt, the room silent once the phrase is over, the heard part kept and
//   marked in the history the model sees, the phrase is the next turn); controls: the same speech with echo cancellation off (half-duplex) interrupts nothing and
//   the answer plays on, and answers that play out with nobody speaking interrupt nothing;
// - no self-hearing: answers play through the echo path and only the user's phrases become turns;
//   controls: the echo recorded at the microphone, replayed into the room while Chrome plays nothing,
//   becomes a turn; and an engine built to ignore its self-check (WXT_E2E_FORCE_FULL_DUPLEX=1) with
//   cancellation off hears its own answer as a turn;
// - echo cancellation forced off: the self-check falls back to half-duplex (the notice says so).
import { mkdirSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ClientFrame, ServerFrame } from '../../protocol/frame-types.ts';
import { INTERRUPTED_MARK } from '../../server/session/session.ts';
import { scalePcm, silencePcm, speakPcm, wavFile } from '../helpers/spoken-audio.ts';
import { chats, sleep, startConversation, transcripts, until, userTurns } from './support/conversation.ts';
import { buildExtension } from './support/global-setup.ts';
import { ARTIFACTS_DIR, E2E_OUT_ROOT } from './support/paths.ts';
import { LISTEN_RATE, levelDb, startPrivatePulse, type PrivatePulse } from './support/private-pulse.ts';
import { startStack, type Stack } from './support/stack.ts';

const RATE = 48_000;
const CAPITAL = 'What is the capital of France?';
const PEOPLE = 'And how many people live there?';
const STOP = 'Wait, stop there please.';
const PHRASES = [CAPITAL, PEOPLE, STOP];
/** The fake's answer to every question: about 16 s of speech at the fake's 60 ms a character. */
const LONG_ANSWER = [
  'Paris is the capital of France.',
  'It stands on the river Seine in the north of the country.',
  'About two million people live in the city itself.',
  'Many more live in the towns around it.',
  'It is known for its museums, its parks and its old streets.',
].join(' ');
/** About 5 s of speech. */
const SHORT_ANSWER = 'Paris is the capital of France. About two million people live there.';

/** The extension built with WXT_E2E_FORCE_FULL_DUPLEX=1 (the engine ignores its self-check's verdict), once per run. */
const FULL_DUPLEX_OUT = join(E2E_OUT_ROOT, `room-full-duplex-${process.pid}-${Date.now()}`);
let fullDuplexDir: Promise<string> | undefined;
const fullDuplexBuild = (): Promise<string> => (fullDuplexDir ??= buildExtension(FULL_DUPLEX_OUT, { env: { WXT_E2E_FORCE_FULL_DUPLEX: '1' } }));

const wavs = new Map<string, string>();
const echoWav = join(ARTIFACTS_DIR, `room-${process.pid}-echo.wav`);
let room: PrivatePulse | undefined;
let stack: Stack | undefined;

beforeAll(() => {
  mkdirSync(ARTIFACTS_DIR, { recursive: true });
  for (const [i, phrase] of PHRASES.entries()) {
    const path = join(ARTIFACTS_DIR, `room-${process.pid}-${i}.wav`);
    // 10 dB down (at full scale Chrome's auto gain clipped espeak-ng's voice), and a little silence after
    // the phrase, so the end of speech is heard before the file ends.
    writeFileSync(path, wavFile(Buffer.concat([scalePcm(speakPcm(phrase, RATE), 0.3), silencePcm(300, RATE)]), RATE));
    wavs.set(phrase, path);
  }
}, 60_000);
afterAll(async () => {
  await Promise.all([...wavs.values(), echoWav, FULL_DUPLEX_OUT].map((path) => rm(path, { recursive: true, force: true })));
});
afterEach(async () => {
  await stack?.close();
  stack = undefined;
  await room?.close();
  room = undefined;
});

async function startRoomStack(answer: string, echoCancellation: boolean, extensionDir?: string, sttMs?: number): Promise<{ stack: Stack; room: PrivatePulse }> {
  room = await startPrivatePulse();
  // The echo: the speaker reaches the microphone about 18 dB down (50% on PulseAudio's cubic scale).
  await room.loopSpeakerIntoMic({ latencyMs: 20, volumePercent: 50 });
  stack = await startStack({
    tap: true,
    fake: { answer: () => answer, speechVoice: 'espeak', ...(sttMs === undefined ? {} : { latency: { sttMs } }) },
    browser: { pulseServer: room.server, ...(extensionDir === undefined ? {} : { extensionDir }) },
    settings: { speech: true, endOfTurnSilenceMs: 800, echoCancellation },
  });
  await stack.fake.setPhrases(PHRASES);
  return { stack, room };
}

/** Resolves once the answer's audio has reached the browser and had time to start playing. */
async function answerPlaying(s: Stack, answers: number, settleMs = 2000): Promise<void> {
  const audioBefore = (answer: number): number => {
    const chat = s.fake.requests.filter((r) => r.endpoint === 'chat')[answer - 1];
    return chat === undefined ? 0 : s.fake.requests.filter((r) => r.endpoint === 'speech' && r.id > chat.id && r.outcome === 'completed').length;
  };
  await until(s, `answer ${answers}'s audio to reach the browser`, () => audioBefore(answers) > 0 && (s.tap?.count('toClient', ServerFrame.SpeechAudio) ?? 0) > 0, 60_000);
  await sleep(settleMs);
}

describe('conversation mode in a room with an echo (Chrome, PulseAudio)', () => {
  it('speaking over the answer interrupts it: the heard part is kept, marked, and the words are the next turn', async () => {
    // On the users' build: the self-check must pick full duplex in this room by itself (15 of 15 runs,
    // docs/conversation-mode.md, "Self-check"). Transcriptions take 2 s here, so the room can be measured
    // after the phrase before the next answer plays.
    const { stack: s, room: r } = await startRoomStack(LONG_ANSWER, true, undefined, 2000);
    const { notice } = await startConversation(s);
    expect(await notice(), 'no half-duplex notice: the self-check chose full duplex').not.toMatch(/headphones/i);
    await r.say(wavs.get(CAPITAL) ?? '');
    await answerPlaying(s, 1);
    // The Interrupt goes out once speech is confirmed, about half a second into the phrase.
    await r.say(wavs.get(STOP) ?? '');
    await until(s, 'the Interrupt frame', () => (s.tap?.count('toRelay', ClientFrame.Interrupt) ?? 0) > 0, 15_000);
    // The phrase is over and the engine stopped playback before it reported the interruption: no echo.
    const afterPhrase = levelDb(await r.listen(500));
    expect(chats(s), 'no answer to the new turn requested yet while the room was measured').toHaveLength(1);
    expect(afterPhrase, 'the room after the phrase and the Interrupt (dBFS)').toBeLessThan(-80);
    await until(s, 'the second chat request', () => chats(s).length >= 2, 30_000);
    expect(s.tap?.count('toRelay', ClientFrame.Interrupt), 'Interrupt frames').toBe(1);
    expect(transcripts(s), 'the words of each turn').toEqual([CAPITAL, STOP]);
    const history = chats(s)[1] ?? [];
    expect(userTurns(history)).toEqual([CAPITAL, STOP]);
    // The answer to the first question: the last assistant message (the first is the relay's welcome).
    const interrupted = history.findLast((m) => m.role === 'assistant');
    expect(interrupted?.content, 'the interrupted answer, marked').toMatch(new RegExp(`${INTERRUPTED_MARK.replace(/[[\]]/g, '\\$&')}$`));
    // Only what was heard: the start of the answer, not all of it.
    const heard = interrupted?.content.slice(0, -INTERRUPTED_MARK.length).trim() ?? '';
    expect(LONG_ANSWER.startsWith(heard), `heard part ${JSON.stringify(heard)} is the answer's start`).toBe(true);
    expect(heard.length).toBeGreaterThan(0);
    expect(heard.length).toBeLessThan(LONG_ANSWER.length);
  }, 150_000);

  it('control: with echo cancellation off, the self-check falls back to half-duplex and the same speech over the answer is ignored', async () => {
    const { stack: s, room: r } = await startRoomStack(LONG_ANSWER, false);
    const { notice } = await startConversation(s);
    expect(await notice(), 'the half-duplex notice').toMatch(/headphones/i);
    await r.say(wavs.get(CAPITAL) ?? '');
    await answerPlaying(s, 1);
    await r.say(wavs.get(STOP) ?? '');
    // The answer plays on: its echo is still in the room.
    expect(levelDb(await r.listen(500)), 'the room right after the phrase (dBFS)').toBeGreaterThan(-60);
    await sleep(6000);
    expect(s.tap?.count('toRelay', ClientFrame.Interrupt), 'Interrupt frames').toBe(0);
    expect(transcripts(s), 'the words of each turn').toEqual([CAPITAL]);
  }, 150_000);

  it('answers playing through the echo path never become turns; the same echo played by someone else does', async () => {
    const { stack: s, room: r } = await startRoomStack(SHORT_ANSWER, true);
    await startConversation(s);
    const quiet = levelDb(await r.listen(1000));
    await r.say(wavs.get(CAPITAL) ?? '');
    await answerPlaying(s, 1, 0);
    // What the microphone picks up while the answer plays, before Chrome's processing: the echo.
    const echo = await r.listen(4000);
    expect(levelDb(echo), `the answer reaches the microphone (room before it: ${quiet.toFixed(1)} dBFS)`).toBeGreaterThan(Math.max(quiet + 20, -60));
    await sleep(5000);
    expect(transcripts(s), 'turns while the first answer played').toEqual([CAPITAL]);
    await r.say(wavs.get(PEOPLE) ?? '');
    await answerPlaying(s, 2, 0);
    await sleep(9000);
    expect(transcripts(s), 'the words of each turn').toEqual([CAPITAL, PEOPLE]);
    expect(userTurns(chats(s).at(-1) ?? [])).toEqual([CAPITAL, PEOPLE]);
    expect(s.tap?.count('toRelay', ClientFrame.Interrupt), 'Interrupt frames').toBe(0);
    // Control: the recorded echo played into the room while nothing plays in Chrome, so there is no far
    // end to cancel it against. The same sound at the same level must now be heard as a turn.
    writeFileSync(echoWav, wavFile(echo, LISTEN_RATE));
    await r.say(echoWav);
    await until(s, 'a turn made of the replayed echo', () => transcripts(s).length === 3, 20_000);
  }, 150_000);

  it('control: with cancellation off and half-duplex switched off (a test-only build), the answer is heard as a turn', async () => {
    // The same engine built with WXT_E2E_FORCE_FULL_DUPLEX=1: it listens over its answers whatever the self-check found.
    const { stack: s, room: r } = await startRoomStack(LONG_ANSWER, false, await fullDuplexBuild());
    await startConversation(s);
    await r.say(wavs.get(CAPITAL) ?? '');
    await answerPlaying(s, 1, 0);
    await until(s, 'a turn nobody spoke', () => transcripts(s).length > 1, 20_000);
    expect(transcripts(s)[0]).toBe(CAPITAL);
  }, 150_000);
});
