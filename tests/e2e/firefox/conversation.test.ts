// Conversation mode on Firefox ESR (issue 11): the voice engine runs in Parley's conversation window
// (recorder.html?engine=1), with real audio devices from a PulseAudio server of the test's own
// (../support/private-pulse.ts): espeak-ng questions are played into its microphone, and what Firefox
// plays is recorded from its speaker. The built add-on, the real relay and the fake OpenAI; the
// panel is driven by its accessible names like a user would.
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'puppeteer-core';
import { speechDurationMs, startFakeOpenAI, type FakeOpenAI, type TranscriptionRequestBody } from '../../fakes/fake-openai.ts';
import { MAX_RESIDUAL_DB } from '../../../lib/voice/echo-check.ts';
import { INTERRUPTED_MARK } from '../../../server/session/session.ts';
import { startRelay } from '../../helpers/relay-process.ts';
import { ARTIFACTS_DIR } from '../support/paths.ts';
import { startPageServer, type PageServer } from '../support/page-server.ts';
import { allContexts, openFirefoxChat, evaluateIn, topContexts, waitUntil, type FirefoxAx } from './support/firefox-ax.ts';
import { buildFirefoxExtension, launchFirefoxWithExtension, type FirefoxExtensionBrowser } from './support/firefox-browser.ts';
import { startPrivatePulse, windowLevelsDb, type PrivatePulse } from '../support/private-pulse.ts';

const QUESTIONS = ['What is the capital of France?', 'And how many people live there?'];
const NAMES = { start: /^start conversation$/ };
const ENGINE_PAGE = '/recorder.html?engine=1';
/**
 * Of each answer only the first two sentences are spoken (PARLEY_MAX_SPOKEN_SENTENCES), about 4.5 s
 * of the fake's audio: a turn takes seconds, and a short question fits inside the answer.
 */
const SPOKEN_SENTENCES = 2;
const FIRST_SENTENCE = 'The capital of France is Paris.';
/** Well above the null sink's digital silence (-100), well below the fake's tone (about -24 dBFS before Firefox's volume). */
const AUDIBLE_DB = -60;
/** What the test records the speaker and microphone at. */
const RECORD_RATE = 16_000;

describe('conversation mode in Firefox ESR (its own PulseAudio microphone and speaker)', () => {
  let pulse: PrivatePulse;
  let fake: FakeOpenAI;
  let relay: Awaited<ReturnType<typeof startRelay>>;
  let pages: PageServer;
  let firefox: FirefoxExtensionBrowser;
  const wavs: string[] = [];
  /** Each test's page closes after it, pass or fail, so the next test's panel is the only one. */
  const opened: Page[] = [];
  afterEach(async () => {
    await Promise.allSettled(opened.splice(0).map((p) => p.close()));
  });

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

  /** The self-check's verdict as the conversation window shows it: "<reason> <residual dBFS>". */
  const echoVerdict = (context: string) => evaluateIn(firefox.browser, context, 'document.body.dataset.echo ?? ""');

  /** Text of the chat panel's frame (the accessibility tree's copy of the frame can lag behind). */
  const panelText = async () => {
    const panels = (await allContexts(firefox.browser)).filter((c) => c.url.endsWith('/chat.html'));
    return (await Promise.all(panels.map((panel) => evaluateIn(firefox.browser, panel.context, 'document.body.innerText')))).join('\n');
  };
  const waitForPanelText = (pattern: RegExp, timeoutMs: number) =>
    waitUntil(`the panel to say ${pattern.source}`, async () => (pattern.test(await panelText()) ? true : undefined), timeoutMs);

  /**
   * Presses the panel's "End conversation" in its frame. Only starting needs a trusted press (it opens
   * the microphone); ending does not, and the accessibility tree's copy of the panel frame can lag.
   */
  async function endConversation(): Promise<void> {
    const panels = (await allContexts(firefox.browser)).filter((c) => c.url.endsWith('/chat.html'));
    const clicked = await Promise.all(
      panels.map((panel) =>
        evaluateIn(
          firefox.browser,
          panel.context,
          "(() => { const b = [...document.querySelectorAll('button')].find((x) => x.textContent.trim() === 'End conversation'); b?.click(); return String(Boolean(b)); })()",
        ),
      ),
    );
    expect(clicked, 'an "End conversation" button in the panel').toContain('true');
  }

  async function openChat(): Promise<{ page: Page; ax: FirefoxAx }> {
    const chat = await openFirefoxChat(firefox.browser, pages.url('plain.html'));
    opened.push(chat.page);
    return chat;
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
    pulse = await startPrivatePulse({ micChannels: 1 });
    [fake] = await Promise.all([startFakeOpenAI(), buildFirefoxExtension()]);
    relay = await startRelay({ fake, env: { PARLEY_MAX_SPOKEN_SENTENCES: String(SPOKEN_SENTENCES) } });
    pages = await startPageServer();
    firefox = await launchFirefoxWithExtension({ grantMicrophone: true, pulseServer: pulse.server, defaultAutoplay: true });
  }, 120_000);
  afterAll(async () => {
    const results = await Promise.allSettled([firefox?.close(), relay?.dispose(), pages?.close()]);
    await Promise.allSettled([fake?.close(), pulse?.close(), ...wavs.map((path) => rm(path, { force: true }))]);
    const failed = results.find((r) => r.status === 'rejected');
    if (failed !== undefined) throw failed.reason;
  });

  const configure = (echoCancellation: boolean) =>
    firefox.configure({ relayUrl: relay.wsUrl, speech: true, typingEffect: false, endOfTurnSilenceMs: 800, echoCancellation }, relay.token);
  const completedTranscriptions = () => transcriptions().filter((r) => r.outcome === 'completed').length;

  it('a spoken question becomes a turn, its answer plays in the conversation window, the mode re-arms for a second turn, and End conversation closes the window', async () => {
    await configure(true);
    const { ax } = await openChat();
    const engine = await startConversation(ax);
    // The conversation window holds the microphone while the conversation runs.
    expect(await pulse.captures(), 'capture streams on the private PulseAudio').toHaveLength(1);
    // Nothing of the speaker reaches this microphone: the self-check keeps full-duplex.
    expect(await echoVerdict(engine)).toMatch(/^cancelled /);

    // After the self-check's chirp: from here on, only answers play on the speaker.
    const stopRecording = pulse.record('spk.monitor', RECORD_RATE);
    await pulse.say(wavs[0] ?? '');
    const first = await fake.waitForRequest((r) => r.endpoint === 'transcription' && r.outcome !== 'pending', 30_000);
    expect(first.outcome).toBe('completed');
    expect((first.body as TranscriptionRequestBody).bytes, 'bytes of the first turn').toBeGreaterThan(2000);

    await waitForStatus(engine, /^Speaking/, 30_000);
    // The panel types the spoken sentence when the engine reports it started playing.
    await waitForPanelText(new RegExp(FIRST_SENTENCE.replace('.', '\\.')), 30_000);
    await waitForStatus(engine, /^Listening/, 30_000);
    // The answer's audio reached Firefox's speaker for about as long as the fake spoke it (silence is -100 dBFS).
    const levels = windowLevelsDb(await stopRecording(), RECORD_RATE);
    const playedMs = levels.filter((db) => db > AUDIBLE_DB).length * 100;
    expect(Math.max(...levels), 'loudest 100 ms on the speaker (dBFS)').toBeGreaterThan(AUDIBLE_DB);
    expect(playedMs, 'ms of audible answer on the speaker').toBeGreaterThanOrEqual(0.8 * speechDurationMs(FIRST_SENTENCE));

    // Re-armed: the next question is a second turn, answered with the first in its history.
    await pulse.say(wavs[1] ?? '');
    await waitUntil('a second transcription', async () => (completedTranscriptions() >= 2 ? true : undefined), 30_000);
    const chats = await waitUntil('a second chat request', async () => {
      const all = fake.requests.filter((r) => r.endpoint === 'chat');
      return all.length >= 2 ? all : undefined;
    }, 30_000);
    const history = (chats[1]?.body as { messages: Array<{ role: string; content: string }> }).messages;
    expect(history.filter((m) => m.role === 'user')).toHaveLength(2);
    expect(history.some((m) => m.role === 'assistant' && m.content.startsWith(FIRST_SENTENCE))).toBe(true);
    expect(transcriptions(), 'turns (one transcription each)').toHaveLength(2);
    await waitForStatus(engine, /^Listening/, 40_000);

    await endConversation();
    await waitUntil('the conversation window to close', async () => ((await findEngineWindow()) === undefined ? true : undefined), 15_000);
    await waitUntil('the microphone to be released', async () => ((await pulse.captures()).length === 0 ? true : undefined), 15_000);
    await waitForPanelText(/Start conversation/, 10_000);
  }, 240_000);

  it('the window closes and the microphone is released when the mode pauses after no speech, and when the panel closes', async () => {
    await configure(true);
    const first = await openChat();
    await startConversation(first.ax);
    expect(await pulse.captures()).toHaveLength(1);
    // Nobody speaks: after about 12 s of listening the mode pauses.
    await waitUntil('the conversation window to close on the idle pause', async () => ((await findEngineWindow()) === undefined ? true : undefined), 30_000);
    await waitForPanelText(/Paused after a while without speech/, 5_000);
    await waitUntil('the microphone to be released', async () => ((await pulse.captures()).length === 0 ? true : undefined), 15_000);

    // Start again in a new tab (the test's panels are told apart by address), then close it mid-conversation.
    await first.page.close();
    const { page, ax: again } = await openChat();
    await startConversation(again);
    expect(await pulse.captures()).toHaveLength(1);
    await page.close();
    await waitUntil('the conversation window to close with the panel', async () => ((await findEngineWindow()) === undefined ? true : undefined), 15_000);
    await waitUntil('the microphone to be released', async () => ((await pulse.captures()).length === 0 ? true : undefined), 15_000);
  }, 120_000);

  /** Speaks the first question, then the second one while the answer to the first plays. */
  async function questionThenSpeechOverTheAnswer(engine: string): Promise<number> {
    const before = completedTranscriptions();
    await pulse.say(wavs[0] ?? '');
    await waitUntil('the first turn', async () => (completedTranscriptions() > before ? true : undefined), 30_000);
    await waitForStatus(engine, /^Speaking/, 30_000);
    await pulse.say(wavs[1] ?? '');
    return before;
  }

  it('with echo cancellation off, the self-check falls back to half-duplex: it says headphones enable interruption and ignores speech over the answer', async () => {
    await configure(false);
    const { ax } = await openChat();
    const engine = await startConversation(ax);
    await waitForPanelText(/Use headphones to interrupt it/, 10_000);
    expect(await echoVerdict(engine)).toMatch(/^noEchoCancellation /);
    const before = await questionThenSpeechOverTheAnswer(engine);
    // The question fitted inside the answer, so the mic was deaf for all of it.
    expect(await evaluateIn(firefox.browser, engine, "document.querySelector('#status')?.textContent ?? ''")).toMatch(/^Speaking/);
    await waitForStatus(engine, /^Listening/, 30_000);
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    expect(completedTranscriptions() - before, 'turns: the question over the answer made none').toBe(1);
    const messages = (fake.requests.filter((r) => r.endpoint === 'chat').at(-1)?.body as { messages: Array<{ role: string; content: string }> }).messages;
    expect(messages.some((m) => m.role === 'assistant' && m.content.includes(INTERRUPTED_MARK)), 'an interrupted answer in the history').toBe(false);
    await endConversation();
    await waitUntil('the conversation window to close', async () => ((await findEngineWindow()) === undefined ? true : undefined), 15_000);
  }, 120_000);

  it('control, full-duplex (echo cancellation on, nothing of the answer reaches the mic): the same speech over the answer interrupts it and is the next turn', async () => {
    await configure(true);
    const { ax } = await openChat();
    const engine = await startConversation(ax);
    expect(await echoVerdict(engine)).toMatch(/^cancelled /);
    const before = await questionThenSpeechOverTheAnswer(engine);
    await waitUntil('the interrupting turn', async () => (completedTranscriptions() - before >= 2 ? true : undefined), 30_000);
    // Its question reached the model after the interrupted answer, cut to what was heard and marked.
    const chat = await waitUntil('the interrupting turn at the model', async () => {
      const last = fake.requests.filter((r) => r.endpoint === 'chat').at(-1);
      const messages = (last?.body as { messages?: Array<{ role: string; content: string }> } | undefined)?.messages ?? [];
      return messages.some((m) => m.role === 'assistant' && m.content.includes(INTERRUPTED_MARK)) ? messages : undefined;
    }, 30_000);
    expect(chat.filter((m) => m.role === 'assistant' && m.content.includes(INTERRUPTED_MARK))).toHaveLength(1);
    await endConversation();
    await waitUntil('the conversation window to close', async () => ((await findEngineWindow()) === undefined ? true : undefined), 15_000);
  }, 120_000);

  it("with the speaker looped back into the microphone, Firefox's echo cancellation removes the window's own playback (control: with it off, the chirp comes back)", async () => {
    const unloop = await pulse.loopSpeakerIntoMic({ latencyMs: 30 });
    try {
      /** One conversation: the self-check's verdict and residual, and how loud the answer reached the mic. */
      const converse = async (echoCancellation: boolean) => {
        await configure(echoCancellation);
        const { page, ax } = await openChat();
        const engine = await startConversation(ax);
        const [reason = '', residual = ''] = (await echoVerdict(engine)).split(' ');
        const before = completedTranscriptions();
        await pulse.say(wavs[0] ?? '');
        await waitUntil('the turn', async () => (completedTranscriptions() > before ? true : undefined), 30_000);
        const stopMic = pulse.record('mic', RECORD_RATE);
        await waitForStatus(engine, /^Speaking/, 30_000);
        await waitForStatus(engine, /^Listening/, 30_000);
        const micLevels = windowLevelsDb(await stopMic(), RECORD_RATE);
        await new Promise((resolve) => setTimeout(resolve, 2_000));
        const turns = completedTranscriptions() - before;
        await endConversation();
        await waitUntil('the conversation window to close', async () => ((await findEngineWindow()) === undefined ? true : undefined), 15_000);
        await page.close(); // the next run's panel must be the only one on the test page's address
        console.log(`Firefox, echo cancellation ${echoCancellation ? 'on' : 'off'}, speaker looped into the mic: self-check ${reason}, residual ${residual} dBFS; the answer at the mic peaked at ${Math.max(...micLevels).toFixed(1)} dBFS`);
        return { reason, residualDb: Number(residual), answerAtMicMs: micLevels.filter((db) => db > AUDIBLE_DB).length * 100, turns };
      };
      const cancelled = await converse(true);
      const control = await converse(false);
      // The answer really reached the microphone in both runs (the loop works)...
      for (const run of [cancelled, control]) expect(run.answerAtMicMs, 'ms of the answer at the microphone').toBeGreaterThanOrEqual(0.8 * speechDurationMs(FIRST_SENTENCE));
      // ...without cancellation the chirp comes back loud; with it, at least 30 dB of it is gone. Whether
      // what is left passes the self-check's limit varied between runs (-58 to -84 dBFS against -60: the
      // chirp is the canceller's first sound), so the verdict is logged, not asserted.
      expect(control.residualDb, 'chirp residual without echo cancellation (dBFS)').toBeGreaterThan(MAX_RESIDUAL_DB);
      expect(control.residualDb - cancelled.residualDb, 'dB of the chirp Firefox cancelled').toBeGreaterThanOrEqual(30);
      expect(['cancelled', 'echoHeard']).toContain(cancelled.reason);
      // The answer (the fake's tone, which Silero would not take for speech anyway) made no turn either way.
      expect([cancelled.turns, control.turns]).toEqual([1, 1]);
    } finally {
      await unloop();
    }
  }, 180_000);
});
