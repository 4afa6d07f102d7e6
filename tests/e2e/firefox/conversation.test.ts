// Conversation mode on Firefox ESR (issue 11): the voice engine runs in Parley's conversation window
// (recorder.html?engine=1), with real audio devices from a PulseAudio server of the test's own
// (support/private-pulse.ts): espeak-ng questions are played into its microphone, and what Firefox
// plays is recorded from its speaker. The built add-on, the real relay and the fake OpenAI; the
// panel is driven by its accessible names like a user would.
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'puppeteer-core';
import { speechDurationMs, startFakeOpenAI, type FakeOpenAI, type TranscriptionRequestBody } from '../../fakes/fake-openai.ts';
import { startRelay } from '../../helpers/relay-process.ts';
import { ARTIFACTS_DIR } from '../support/paths.ts';
import { startPageServer, type PageServer } from '../support/page-server.ts';
import { createFirefoxAx, evaluateIn, topContexts, waitUntil, type FirefoxAx } from './support/firefox-ax.ts';
import { buildFirefoxExtension, launchFirefoxWithExtension, type FirefoxExtensionBrowser } from './support/firefox-browser.ts';
import { startPrivatePulse, windowLevelsDb, type PrivatePulse } from './support/private-pulse.ts';

const QUESTIONS = ['What is the capital of France?', 'And how many people live there?'];
const NAMES = { open: /^open chat$/, start: /^start conversation$/, end: /^end conversation$/, message: /^message$/ };
const ENGINE_PAGE = '/recorder.html?engine=1';
/** Of each answer only its first sentence is spoken (PARLEY_MAX_SPOKEN_SENTENCES), so a turn takes seconds. */
const FIRST_SENTENCE = 'The capital of France is Paris.';
/** Well above the null sink's digital silence (-100), well below the fake's tone (about -24 dBFS before Firefox's volume). */
const AUDIBLE_DB = -60;

describe('conversation mode in Firefox ESR (its own PulseAudio microphone and speaker)', () => {
  let pulse: PrivatePulse;
  let fake: FakeOpenAI;
  let relay: Awaited<ReturnType<typeof startRelay>>;
  let pages: PageServer;
  let firefox: FirefoxExtensionBrowser;
  const wavs: string[] = [];

  const transcriptions = () => fake.requests.filter((r) => r.endpoint === 'transcription');
  /** The conversation window's browsing context (puppeteer's pages() does not list add-on popup windows). */
  const findEngineWindow = async () => (await topContexts(firefox.browser)).find((c) => c.url.includes(ENGINE_PAGE))?.context;
  const waitForStatus = (context: string, pattern: RegExp, timeoutMs = 30_000) =>
    waitUntil(
      `the conversation window to say ${pattern.source}`,
      async () => (pattern.test(await evaluateIn(firefox.browser, context, "document.querySelector('#status')?.textContent ?? ''")) ? true : undefined),
      timeoutMs,
      50,
    );

  async function openChat(): Promise<{ page: Page; ax: FirefoxAx }> {
    const page = await firefox.browser.newPage();
    const url = pages.url('plain.html');
    await page.goto(url);
    await page.bringToFront();
    const ax = await createFirefoxAx(firefox.browser, page, url);
    await ax.press('pushbutton', NAMES.open, 20_000);
    await ax.waitFor('entry', NAMES.message);
    return { page, ax };
  }

  /** Starts a conversation from the panel; resolves the conversation window once it listens. */
  async function startConversation(ax: FirefoxAx): Promise<string> {
    await ax.press('pushbutton', NAMES.start);
    const engine = await waitUntil('the conversation window to open', findEngineWindow, 20_000);
    // The engine says Listening only after onnxruntime and Silero loaded and the echo check ran.
    await waitForStatus(engine, /^Listening/, 60_000);
    return engine;
  }

  beforeAll(async () => {
    mkdirSync(ARTIFACTS_DIR, { recursive: true });
    for (const [index, text] of QUESTIONS.entries()) {
      const path = join(ARTIFACTS_DIR, `firefox-conversation-${process.pid}-${index}.wav`);
      execFileSync('espeak-ng', ['-v', 'en-us', '-s', '150', '-w', path, text]);
      wavs.push(path);
    }
    pulse = await startPrivatePulse();
    [fake] = await Promise.all([startFakeOpenAI(), buildFirefoxExtension()]);
    relay = await startRelay({ fake, env: { PARLEY_MAX_SPOKEN_SENTENCES: '1' } });
    pages = await startPageServer();
    firefox = await launchFirefoxWithExtension({ grantMicrophone: true, pulseServer: pulse.server });
    await firefox.configure({ relayUrl: relay.wsUrl, speech: true, typingEffect: false, endOfTurnSilenceMs: 800, echoCancellation: true }, relay.token);
  }, 120_000);
  afterAll(async () => {
    const results = await Promise.allSettled([firefox?.close(), relay?.dispose(), pages?.close()]);
    await Promise.allSettled([fake?.close(), pulse?.close()]);
    const failed = results.find((r) => r.status === 'rejected');
    if (failed !== undefined) throw failed.reason;
  });

  it('a spoken question becomes a turn, its answer plays in the conversation window, the mode re-arms for a second turn, and End conversation closes the window', async () => {
    const { page, ax } = await openChat();
    const engine = await startConversation(ax);
    // The conversation window holds the microphone while the conversation runs.
    expect(await pulse.captures(), 'capture streams on the private PulseAudio').toHaveLength(1);

    // After the self-check's chirp: from here on, only answers play on the speaker.
    const stopRecording = pulse.recordSpeaker();
    await pulse.speak(wavs[0] ?? '');
    const first = await fake.waitForRequest((r) => r.endpoint === 'transcription' && r.outcome !== 'pending', 30_000);
    expect(first.outcome).toBe('completed');
    expect((first.body as TranscriptionRequestBody).bytes, 'bytes of the first turn').toBeGreaterThan(2000);

    await waitForStatus(engine, /^Speaking/, 30_000);
    // The panel types the spoken sentence when the engine reports it started playing.
    await ax.waitForText('document', FIRST_SENTENCE, 30_000);
    await waitForStatus(engine, /^Listening/, 30_000);
    // The answer's audio reached Firefox's speaker for about as long as the fake spoke it (silence is -100 dBFS).
    const levels = windowLevelsDb(await stopRecording());
    const playedMs = levels.filter((db) => db > AUDIBLE_DB).length * 100;
    expect(Math.max(...levels), 'loudest 100 ms on the speaker (dBFS)').toBeGreaterThan(AUDIBLE_DB);
    expect(playedMs, 'ms of audible answer on the speaker').toBeGreaterThanOrEqual(0.8 * speechDurationMs(FIRST_SENTENCE));

    // Re-armed: the next question is a second turn, answered with the first in its history.
    await pulse.speak(wavs[1] ?? '');
    await waitUntil('a second transcription', async () => (transcriptions().filter((r) => r.outcome === 'completed').length >= 2 ? true : undefined), 30_000);
    const chats = await waitUntil('a second chat request', async () => {
      const all = fake.requests.filter((r) => r.endpoint === 'chat');
      return all.length >= 2 ? all : undefined;
    }, 30_000);
    const history = (chats[1]?.body as { messages: Array<{ role: string; content: string }> }).messages;
    expect(history.filter((m) => m.role === 'user')).toHaveLength(2);
    expect(history.some((m) => m.role === 'assistant' && m.content.startsWith(FIRST_SENTENCE))).toBe(true);
    expect(transcriptions(), 'turns (one transcription each)').toHaveLength(2);
    await waitForStatus(engine, /^Listening/, 40_000);

    await ax.press('pushbutton', NAMES.end);
    await waitUntil('the conversation window to close', async () => ((await findEngineWindow()) === undefined ? true : undefined), 15_000);
    await waitUntil('the microphone to be released', async () => ((await pulse.captures()).length === 0 ? true : undefined), 15_000);
    await ax.waitFor('pushbutton', NAMES.start);
    await page.close();
  }, 240_000);
});
