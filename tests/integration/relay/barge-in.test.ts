// Barge-in (issue 11): Interrupt cancels a running turn like Cancel, and the history the model sees on
// the next turn holds only what the user heard of the interrupted answer, marked. Also: spoken text is
// cleaned of markdown, and the speed setting reaches text-to-speech. Real relay, fake OpenAI.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ErrorCode } from '../../../protocol/index.ts';
import { INTERRUPTED_MARK, INTERRUPTED_NOTE } from '../../../server/session/session.ts';
import { CODE_BLOCK_PHRASE } from '../../../server/speech/speech-text.ts';
import { defaultAnswer, startFakeOpenAI, type FakeOpenAI } from '../../fakes/fake-openai.ts';
import { startRelay, type RelayProcess } from '../../helpers/relay-process.ts';
import { is, openTestSession, type TestClient } from '../../helpers/ws-client.ts';

const MARKDOWN_ANSWER = [
  '## Sorting',
  'Use **`sorted()`** and read https://docs.python.org/3/howto/sorting.html for details.',
  '```python',
  'print(sorted(items))',
  '```',
  'That is *all* there is to it.',
].join('\n');

let fake: FakeOpenAI;
let relay: RelayProcess;
const clients: TestClient[] = [];

const client = (clientId: string, dialect: 'v1' | 'legacy' = 'v1'): Promise<TestClient> =>
  openTestSession(relay, clientId, { dialect, speech: true, track: clients });

type Chat = { messages: Array<{ role: string; content: string }> };
const lastChat = () => fake.requests.filter((r) => r.endpoint === 'chat').at(-1)?.body as Chat;

beforeAll(async () => {
  fake = await startFakeOpenAI({
    apiKey: 'sk-barge-in-test-key-0123456789',
    latency: { firstTokenMs: 5, perTokenMs: 3, sttMs: 5, ttsMs: 5 },
    answer: (messages, _model) => (/markdown/.test(messages.at(-1)?.content ?? '') ? MARKDOWN_ANSWER : defaultAnswer(messages)),
  });
  relay = await startRelay({ fake });
});
beforeEach(() => fake.reset());
afterAll(async () => {
  await Promise.all(clients.map((c) => c.close()));
  await relay?.dispose();
  await fake?.close();
});

describe('barge-in', () => {
  it('after the answer ended, keeps only the heard part in history, marked interrupted', async () => {
    const c = await client('late-interrupt');
    c.send({ type: 'userText', turnId: 1, text: 'Tell me something' });
    const full = await c.answer(1);
    const sentences = c.of('speechAudio', 1).map((f) => f.sentence);
    expect(sentences.length).toBeGreaterThan(3);
    // Heard: the first sentence and 60 % of the second, 'You asked: "Tell me something".' (31 chars):
    // 18 characters end inside "me", so only whole words up to "Tell" count.
    c.send({ type: 'interrupt', turnId: 1, heard: { index: 1, permille: 600 } });
    c.send({ type: 'userText', turnId: 2, text: 'Sorry, go on' });
    await c.answer(2);
    const messages = lastChat().messages;
    expect(messages[0]?.content).toContain(INTERRUPTED_NOTE);
    expect(messages.slice(2)).toEqual([
      { role: 'user', content: 'Tell me something' },
      { role: 'assistant', content: `${sentences[0]} You asked: "Tell ${INTERRUPTED_MARK}` },
      { role: 'user', content: 'Sorry, go on' },
    ]);
    expect(full.startsWith(sentences[0] ?? '-')).toBe(true);
    // The turn had ended with TextEnd; the interrupt adds no frame for it.
    const turn1 = c.frames.filter((f) => 'turnId' in f && f.turnId === 1);
    expect(turn1.at(-1)?.type).toBe('textEnd');
  });

  it('while the answer still streams, cancels upstream and keeps the heard sentence', async () => {
    const c = await client('running-interrupt');
    fake.setLatency({ perTokenMs: 120 });
    c.send({ type: 'userText', turnId: 5, text: 'A long story please' });
    const first = await c.waitFor(is('speechAudio', 5));
    c.send({ type: 'interrupt', turnId: 5, heard: { index: 0, permille: 1000 } });
    const error = await c.waitFor(is('error', 5));
    expect(error.error.code).toBe(ErrorCode.Cancelled);
    await fake.waitForRequest((r) => r.endpoint === 'chat' && r.outcome === 'aborted');
    fake.setLatency({ perTokenMs: 1 });
    c.send({ type: 'userText', turnId: 6, text: 'Shorter please' });
    await c.answer(6);
    expect(lastChat().messages.slice(2)).toEqual([
      { role: 'user', content: 'A long story please' },
      { role: 'assistant', content: `${first.sentence} ${INTERRUPTED_MARK}` },
      { role: 'user', content: 'Shorter please' },
    ]);
  });

  it('a plain Cancel keeps no partial answer (control for the marked history above)', async () => {
    const c = await client('plain-cancel');
    fake.setLatency({ perTokenMs: 120 });
    c.send({ type: 'userText', turnId: 5, text: 'A long story please' });
    await c.waitFor(is('speechAudio', 5));
    c.send({ type: 'cancel', turnId: 5 });
    await c.waitFor(is('error', 5));
    fake.setLatency({ perTokenMs: 1 });
    c.send({ type: 'userText', turnId: 6, text: 'Shorter please' });
    await c.answer(6);
    const messages = lastChat().messages;
    expect(messages.some((m) => m.content.includes(INTERRUPTED_MARK))).toBe(false);
    expect(messages[0]?.content).not.toContain(INTERRUPTED_NOTE);
  });

  it('answers UNKNOWN_TURN for a turn it never ran, and legacy clients cannot send it', async () => {
    const c = await client('unknown-interrupt');
    c.send({ type: 'interrupt', turnId: 77, heard: { index: 0, permille: 0 } });
    expect((await c.waitFor(is('error', 77))).error.code).toBe(ErrorCode.UnknownTurn);
    const legacy = await client('legacy-interrupt', 'legacy');
    legacy.send({ type: 'interrupt', turnId: 1, heard: { index: 0, permille: 0 } });
    expect((await legacy.waitFor(is('error'))).error.message).toMatch(/Unknown frame type 0x0b/);
  });

  it('speaks markdown as plain speech at the chosen speed, while SpeechAudio keeps the written sentence', async () => {
    const c = await client('markdown');
    c.send({ type: 'settings', settings: { speed: 1.5, voice: 'nova' } });
    await c.waitFor((f) => f.type === 'ok' && c.of('ok').length === 3);
    c.send({ type: 'userText', turnId: 3, text: 'answer in markdown' });
    const text = await c.answer(3);
    expect(text).toBe(MARKDOWN_ANSWER);
    const requests = fake.requests.filter((r) => r.endpoint === 'speech').map((r) => r.body as { input: string; speed?: number; voice: string });
    const spoken = requests.map((r) => r.input).join(' ');
    expect(spoken).not.toMatch(/[*#`]|https?:|print\(/);
    expect(spoken).toContain('docs.python.org');
    expect(spoken).toContain(CODE_BLOCK_PHRASE);
    expect(requests.every((r) => r.speed === 1.5 && r.voice === 'nova')).toBe(true);
    // Each SpeechAudio carries text exactly as written in the answer, for the panel's typing.
    for (const frame of c.of('speechAudio', 3)) expect(text).toContain(frame.sentence);
  });
});
