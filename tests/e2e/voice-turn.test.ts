// Bar 2: a voice turn. The fake microphone plays an espeak-ng WAV; the recording is
// streamed to the relay in slices while recording, transcribed by the fake, shown as
// the user's message, answered, typed out and spoken.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClientFrame, ServerFrame } from '../../protocol/frame-types.ts';
import { defaultAnswer, defaultTranscript, type TranscriptionRequestBody } from '../fakes/fake-openai.ts';
import { normalise, waitUntil } from './support/ax.ts';
import { NAMES } from './support/chat.ts';
import { startStack, type Stack } from './support/stack.ts';

describe('voice turn (Chrome)', () => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await startStack({ tap: true, settings: { speech: true, typingEffect: true } });
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('records, streams slices, shows the transcript, types and plays the answer', async () => {
    const tap = stack.tap;
    if (tap === undefined) throw new Error('the stack was started without its frame tap');
    const { page, chat } = await stack.openPage('plain.html');
    await chat.open();

    await chat.ax.click(await chat.button(NAMES.record));
    // Visible recording state: the button turns into "Stop recording".
    const stop = await chat.ax.waitFor('button', NAMES.stopRecording, 20_000);
    await page.waitForTimeout(3_000);
    // Slices are streamed while recording, not after: several had passed the proxy before Stop.
    const chunksBeforeStop = tap.count('toRelay', ClientFrame.UserAudioChunk);
    expect(chunksBeforeStop, 'audio chunks that reached the relay before Stop').toBeGreaterThanOrEqual(2);
    await chat.ax.click(stop);

    // Settled, so the multipart body has been read and summarised.
    const transcription = await stack.fake.waitForRequest((r) => r.endpoint === 'transcription' && r.outcome !== 'pending', 30_000);
    expect(transcription.outcome).toBe('completed');
    const body = transcription.body as TranscriptionRequestBody | undefined;
    expect(body?.bytes, 'bytes of the recording the fake transcribed').toBeGreaterThan(1000);
    expect(tap.count('toRelay', ClientFrame.UserAudioEnd)).toBe(1);

    // The transcript becomes the user's message.
    const transcript = defaultTranscript();
    const expected = defaultAnswer([{ role: 'user', content: transcript }]);
    await chat.waitForLogText(transcript, 30_000);

    // Audio is played in the tab: the mute button's description reports "Speaking; N sentences played".
    const playing = await waitUntil(
      'the panel to report speaking',
      async () => {
        const mute = await chat.ax.find('button', NAMES.mute);
        return mute !== undefined && /^speaking\b/i.test(mute.description) ? mute.description : undefined;
      },
      30_000,
      50,
    );
    expect(playing).toMatch(/sentences? played/i);

    // The answer is typed (seen partial), then complete.
    const lastSentence = 'Thanks for listening!';
    await waitUntil(
      'the answer to be partly typed',
      async () => {
        const text = await chat.logText();
        return text.includes('The capital of France is') && !text.includes(lastSentence);
      },
      30_000,
      50,
    );
    await chat.waitForLogText(expected, 90_000);
    expect(await chat.findMessage(transcript), 'a message holding exactly the transcript').toBeDefined();
    expect(await chat.findMessage(expected), 'a message holding exactly the answer').toBeDefined();
    expect(normalise(await chat.logText()).indexOf(transcript)).toBeLessThan(normalise(await chat.logText()).indexOf(expected));

    // Every sentence was played (the description counts sentences that started playing).
    const played = await waitUntil(
      'several sentences to have played',
      async () => {
        const mute = await chat.ax.find('button', NAMES.mute);
        const count = Number(/(\d+) sentences? played/i.exec(mute?.description ?? '')?.[1] ?? '0');
        return count >= 2 ? count : undefined;
      },
      60_000,
    );
    expect(played).toBeGreaterThanOrEqual(2);

    // Spoken: the relay synthesised sentences and sent their audio to the extension.
    const speech = stack.fake.requests.filter((r) => r.endpoint === 'speech');
    expect(speech.length).toBeGreaterThan(0);
    expect(tap.count('toClient', ServerFrame.SpeechAudio)).toBeGreaterThan(0);
  });
});
