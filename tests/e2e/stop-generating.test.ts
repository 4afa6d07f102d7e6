// Bar 3: "Stop" mid-stream aborts the upstream request (the fake sees it closed early),
// and the chat stays usable for the next turn.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultAnswer } from '../fakes/fake-openai.ts';
import { waitUntil } from './support/ax.ts';
import { NAMES } from './support/chat.ts';
import { startStack, type Stack } from './support/stack.ts';

describe('stop generating (Chrome)', () => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('aborts the upstream chat stream when the user clicks Stop', async () => {
    stack.fake.setLatency({ perTokenMs: 200 });
    const { chat } = await stack.openPage('plain.html');
    await chat.open();

    const question = 'Tell me something long, please.';
    await chat.send(question);
    const answer = defaultAnswer([{ role: 'user', content: question }]);
    await chat.waitForLogText('Here is a short answer', 30_000);

    await chat.ax.click(await chat.button(NAMES.stop));
    const aborted = await waitUntil(
      'the fake to see the chat request closed early',
      async () => stack.fake.requests.find((r) => r.endpoint === 'chat' && r.outcome === 'aborted'),
      15_000,
    );
    expect(aborted.endpoint).toBe('chat');

    // The rest of the answer never arrives.
    const stopped = await chat.waitForStableLog(2_000);
    expect(stopped).not.toContain('Thanks for listening!');
    expect(stopped).not.toContain(answer);

    // The next turn works normally.
    stack.fake.setLatency({ perTokenMs: 2 });
    const next = 'And now a normal question?';
    await chat.send(next);
    // Whether the cancelled question stays in the model's history is the relay's call; either way the new answer arrives.
    await chat.waitForLogText(`You asked: "${next}".`, 30_000);
    await chat.waitForLogText('Thanks for listening!', 30_000);
    const completed = stack.fake.requests.filter((r) => r.endpoint === 'chat' && r.outcome === 'completed');
    expect(completed).toHaveLength(1);
  });
});
