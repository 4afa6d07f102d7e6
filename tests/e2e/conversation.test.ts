// Conversation mode on Chromium with the capture file as the microphone (played once, audio unmuted,
// a private PulseAudio server so Chrome runs its audio processing): the voice engine in the offscreen
// document hears two spoken questions separated by a pause and makes exactly two turns of them, each
// transcribed as the question spoken (the fake recognises the phrases: fake-recognizer.ts). Control: with
// the longest end-of-turn silence (3000 ms) the same pause no longer ends a turn, and the one turn holds
// both questions. Speech over the answer and echo: conversation-room.test.ts.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { silencePcm, speakPcm, wavFile } from '../helpers/spoken-audio.ts';
import { waitUntil } from './support/ax.ts';
import { ARTIFACTS_DIR } from './support/paths.ts';
import { startPulseRoom, type PulseRoom } from './support/pulse-room.ts';
import { startStack, type Stack } from './support/stack.ts';

const RATE = 48_000;
const QUESTIONS = ['What is the capital of France?', 'And how many people live there?'] as const;
/** What one turn holding both questions is transcribed as. */
const BOTH = QUESTIONS.join(' ');
/** Between the questions: over the default 800 ms end-of-turn silence, under the 3000 ms maximum. */
const GAP_MS = 2000;
/**
 * Silence before the first question. The capture file starts when the engine opens the microphone;
 * loading onnxruntime's 14 MB wasm and the echo self-check come after that, and on a loaded 2-core
 * machine they took over 3 s (the first question was then partly missed).
 */
const LEAD_MS = 8000;

let captureWav = '';
let room: PulseRoom | undefined;
let stack: Stack | undefined;

beforeAll(() => {
  mkdirSync(ARTIFACTS_DIR, { recursive: true });
  captureWav = join(ARTIFACTS_DIR, `conversation-${process.pid}.wav`);
  const [first, second] = QUESTIONS.map((q) => speakPcm(q, RATE)) as [Buffer, Buffer];
  writeFileSync(captureWav, wavFile(Buffer.concat([silencePcm(LEAD_MS, RATE), first, silencePcm(GAP_MS, RATE), second, silencePcm(8000, RATE)]), RATE));
}, 90_000);
afterEach(async () => {
  await stack?.close();
  stack = undefined;
  await room?.close();
  room = undefined;
});

async function startFileStack(endOfTurnSilenceMs: number): Promise<Stack> {
  // No echo path: the capture file is the only thing the microphone hears.
  room = await startPulseRoom({ echo: false });
  stack = await startStack({ browser: { captureWav, pulseServer: room.server }, settings: { speech: false, endOfTurnSilenceMs } });
  await stack.fake.setPhrases([...QUESTIONS, BOTH]);
  return stack;
}

/** Starts a conversation on the test page's tab the way the toolbar popup does. */
async function startConversation(s: Stack): Promise<void> {
  const { page } = await s.openPage('plain.html');
  await page.bringToFront();
  const sw = await s.browser.worker();
  const tabId = await sw.evaluate(async () => (await chrome.tabs.query({ active: true, lastFocusedWindow: true }))[0]?.id);
  if (tabId === undefined) throw new Error('no active tab id');
  const popup = await s.browser.context.newPage();
  await popup.goto(s.browser.extensionUrl('popup.html'));
  const reply = await popup.evaluate(
    async (id) => chrome.runtime.sendMessage({ id: 1, type: 'toggleConversationInTab', data: { tabId: id }, timestamp: Date.now() }),
    tabId,
  );
  expect(reply, 'the background turned conversation mode on').toEqual({ res: true });
}

/** The transcript of each turn, in order, after `ms` and once no transcription is still being answered. */
async function turnsAfter(s: Stack, ms: number): Promise<string[]> {
  await new Promise((resolve) => setTimeout(resolve, ms));
  const transcriptions = () => s.fake.requests.filter((r) => r.endpoint === 'transcription');
  await waitUntil('the transcriptions to be answered', async () => transcriptions().every((r) => r.outcome !== 'pending') || undefined, 20_000);
  // An upload the fake failed on shows as its outcome instead of a transcript.
  return transcriptions().map((r) => r.transcript ?? r.outcome);
}

describe('conversation mode (Chrome, capture file)', () => {
  it('two questions separated by a pause become exactly two turns, each the question spoken', async () => {
    const s = await startFileStack(800);
    await startConversation(s);
    expect(await turnsAfter(s, 26_000), 'the words of each turn').toEqual([...QUESTIONS]);
    const chat = s.fake.requests.filter((r) => r.endpoint === 'chat').at(-1)?.body as { messages: { role: string; content: string }[] } | undefined;
    expect(chat?.messages.filter((m) => m.role === 'user').map((m) => m.content), 'the questions the model saw').toEqual([...QUESTIONS]);
  }, 90_000);

  it('control: with a 3000 ms end-of-turn silence the same pause stays inside one turn holding both questions', async () => {
    const s = await startFileStack(3000);
    await startConversation(s);
    expect(await turnsAfter(s, 26_000), 'the words of each turn').toEqual([BOTH]);
  }, 90_000);
});
