// Conversation mode on Chromium, the turns' words: two spoken questions separated by a pause become
// exactly two turns, each transcribed as the question spoken (the fake recognises the phrases:
// fake-recognizer.ts), and the model sees them as the user's messages. Control: with the longest
// end-of-turn silence (3000 ms) the same pause no longer ends a turn: one turn, holding both questions.
// With speculative transcription (on by default) each turn is answered from the transcript of the audio
// flushed 600 ms into its final silence: the recogniser naming the whole question from it shows that
// the flushed prefix held all of the speech (a clipped phrase is named as nothing). The microphone is a private PulseAudio room without an echo (private-pulse.ts): the questions
// are played into it once the engine listens. Speech over the answer and echo: conversation-room.test.ts.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { scalePcm, silencePcm, speakPcm, wavFile } from '../helpers/spoken-audio.ts';
import { startConversation, transcripts, until, userTurns, chats } from './support/conversation.ts';
import { ARTIFACTS_DIR } from './support/paths.ts';
import { startPrivatePulse, type PrivatePulse } from './support/private-pulse.ts';
import { startStack, type Stack } from './support/stack.ts';

const RATE = 48_000;
const QUESTIONS = ['What is the capital of France?', 'And how many people live there?'] as const;
/** What one turn holding both questions is transcribed as. */
const BOTH = QUESTIONS.join(' ');
/** Between the questions: over the default 800 ms end-of-turn silence, under the 3000 ms maximum. */
const GAP_MS = 2000;

let questionsWav = '';
let room: PrivatePulse | undefined;
let stack: Stack | undefined;

beforeAll(() => {
  mkdirSync(ARTIFACTS_DIR, { recursive: true });
  questionsWav = join(ARTIFACTS_DIR, `conversation-${process.pid}.wav`);
  const [first, second] = QUESTIONS.map((q) => speakPcm(q, RATE)) as [Buffer, Buffer];
  // 10 dB down: at full scale Chrome's auto gain clipped espeak-ng's voice.
  writeFileSync(questionsWav, wavFile(Buffer.concat([scalePcm(first, 0.3), silencePcm(GAP_MS, RATE), scalePcm(second, 0.3), silencePcm(300, RATE)]), RATE));
}, 90_000);
afterAll(() => rmSync(questionsWav, { force: true }));
afterEach(async () => {
  await stack?.close();
  stack = undefined;
  await room?.close();
  room = undefined;
});

interface TurnLog {
  userText?: string;
  sttSpeculations?: number;
  sttSpeculationUsed?: boolean;
}
/** The relay's voice turns, in order (PARLEY_LOG_TEXT=1 puts their words in): a turn, unlike a transcription request, is what the user saw. */
const turnLogs = (s: Stack): TurnLog[] => s.relay.jsonLogs().filter((line) => line.msg === 'turn' && line.kind === 'voice') as TurnLog[];

/** Speaks both questions once the engine listens; resolves with each turn's transcript once all are answered. */
async function askBoth(endOfTurnSilenceMs: number): Promise<(string | undefined)[]> {
  room = await startPrivatePulse();
  stack = await startStack({ browser: { pulseServer: room.server }, settings: { speech: false, endOfTurnSilenceMs }, relayEnv: { PARLEY_LOG_TEXT: '1' } });
  const s = stack;
  await s.fake.setPhrases([...QUESTIONS, BOTH]);
  await startConversation(s);
  await room.say(questionsWav);
  // The last turn ends after the configured silence, then it is uploaded and transcribed.
  await until(s, 'a transcription', () => transcripts(s).length > 0, 30_000);
  await new Promise((resolve) => setTimeout(resolve, endOfTurnSilenceMs + 4000));
  await until(s, 'every transcription answered', () => s.fake.requests.every((r) => r.endpoint !== 'transcription' || r.outcome !== 'pending'), 20_000);
  await until(s, 'every turn logged', () => turnLogs(s).length >= chats(s).length, 10_000);
  return turnLogs(s).map((turn) => turn.userText);
}

describe('conversation mode (Chrome): the words of each turn', () => {
  it('two questions separated by a pause become exactly two turns, each the question spoken', async () => {
    expect(await askBoth(800), 'the words of each turn').toEqual([...QUESTIONS]);
    const s = stack as Stack;
    await until(s, 'the second chat request', () => chats(s).length >= 2, 20_000);
    expect(userTurns(chats(s).at(-1) ?? []), 'the questions the model saw').toEqual([...QUESTIONS]);
    // Both answered from their speculative transcripts, which the recogniser named as the whole question:
    // one transcription request per turn, none after the end of the turn.
    expect(turnLogs(s).map((turn) => [turn.sttSpeculations, turn.sttSpeculationUsed]), 'speculations per turn, used').toEqual([
      [1, true],
      [1, true],
    ]);
    expect(transcripts(s), 'transcription requests').toEqual([...QUESTIONS]);
  }, 120_000);

  it('control: with a 3000 ms end-of-turn silence the same pause stays inside one turn', async () => {
    const turns = await askBoth(3000);
    // One turn that did not end after the first question. The recogniser named both questions in it in
    // most runs, but once only the second (the first came out faint in Chrome's capture), so the words are
    // checked only as far as they decide the count: not the first question alone.
    expect(turns, 'the words of each turn').toHaveLength(1);
    expect(turns[0]).not.toBe(QUESTIONS[0]);
    expect([BOTH, QUESTIONS[1]]).toContain(turns[0]);
  }, 120_000);
});
