// Streamed transcription in the browser (issue 11): with a transcription model that streams, the panel
// shows the user's words as they are decoded ("Transcribing…"), then the final transcript as their
// message. The fake decodes slowly (400 ms a word) so the live text is on screen long enough to read.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ServerFrame } from '../../protocol/frame-types.ts';
import { defaultTranscript, tokenize, type TranscriptionRequestBody } from '../fakes/fake-openai.ts';
import { normalise, waitUntil } from './support/ax.ts';
import { startStack, type Stack } from './support/stack.ts';

const PER_WORD_MS = 400;

describe('streamed transcript (Chrome)', () => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await startStack({ tap: true, fake: { latency: { sttPerTokenMs: PER_WORD_MS } } });
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('shows the words while they are transcribed, then the final transcript as the message', async () => {
    const tap = stack.tap;
    if (tap === undefined) throw new Error('the stack was started without its frame tap');
    const { page, chat } = await stack.openPage('plain.html');
    await chat.open();
    await chat.record(() => page.waitForTimeout(2_000));

    const transcript = defaultTranscript();
    const pieces = tokenize(transcript);
    // The live bubble: the first words, marked as in progress, before the whole sentence is there.
    const live = await waitUntil(
      'the first words to show while transcribing',
      async () => {
        const text = await chat.logText();
        return text.includes('Transcribing…') && text.includes(normalise(pieces[0] ?? '')) && !text.includes(transcript) ? text : undefined;
      },
      30_000,
      50,
    );
    expect(live).toContain('Transcribing…');

    // Then the final transcript is the user's message, and the live marker is gone.
    await chat.waitForLogText(transcript, 30_000);
    expect(await chat.findMessage(transcript), 'a message holding exactly the transcript').toBeDefined();
    await waitUntil('the live marker to go', async () => ((await chat.logText()).includes('Transcribing…') ? undefined : true), 10_000);
    const body = stack.fake.requests.find((r) => r.endpoint === 'transcription')?.body as TranscriptionRequestBody | undefined;
    expect(body?.stream).toBe('true');
    expect(tap.count('toClient', ServerFrame.TranscriptPartial)).toBe(pieces.length);
    expect(tap.count('toClient', ServerFrame.Transcript)).toBe(1);
  });
});
