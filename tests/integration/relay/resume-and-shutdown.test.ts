// Relay restarts: a client resumes with its transcript; SIGTERM lets turns finish, then says "going away".
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CloseCode, ErrorCode } from '../../../protocol/index.ts';
import { startFakeOpenAI, type FakeOpenAI } from '../../fakes/fake-openai.ts';
import { startRelay, type RelayProcess } from '../../helpers/relay-process.ts';
import { connectClient, is } from '../../helpers/ws-client.ts';

let fake: FakeOpenAI;

beforeAll(async () => {
  fake = await startFakeOpenAI({ apiKey: 'sk-resume-test-key-0123456789' });
});
afterAll(async () => {
  await fake?.close();
});

describe('session resume', () => {
  let relay: RelayProcess;
  beforeAll(async () => {
    relay = await startRelay({ fake, env: { PARLEY_SPEECH: '0' } });
  });
  afterAll(async () => {
    await relay?.dispose();
  });

  it('after a restart, Resume with the transcript restores context (same token, same port)', async () => {
    const before = await connectClient(relay.wsUrl, { dialect: 'v1', token: relay.token });
    before.send({ type: 'setClientId', clientId: 'resumer' });
    expect((await before.waitFor(is('ok'))).info).toMatchObject({ protocol: 1, resumed: false, historyLength: 0 });
    before.send({ type: 'userText', turnId: 1, text: 'My name is Ada' });
    const first = await before.answer(1);

    await relay.restart();
    expect((await before.waitForClose()).code).toBe(CloseCode.GoingAway);

    const after = await connectClient(relay.wsUrl, { dialect: 'v1', token: relay.token });
    after.send({
      type: 'resume',
      clientId: 'resumer',
      messages: [
        { role: 'assistant', content: 'Hello. How can I help you today?' },
        { role: 'user', content: 'My name is Ada' },
        { role: 'assistant', content: first },
      ],
    });
    expect((await after.waitFor(is('ok'))).info).toMatchObject({ resumed: true, historyLength: 2 });
    after.send({ type: 'userText', turnId: 1, text: 'What is my name?' });
    expect(await after.answer(1)).toContain('Earlier you asked: "My name is Ada"');
    await after.close();
  });

  it("keeps the relay's own history when it still holds the session", async () => {
    const c = await connectClient(relay.wsUrl, { dialect: 'v1', token: relay.token });
    c.send({ type: 'setClientId', clientId: 'holder' });
    c.send({ type: 'userText', turnId: 1, text: 'the real question' });
    await c.answer(1);
    await c.close();

    const again = await connectClient(relay.wsUrl, { dialect: 'v1', token: relay.token });
    again.send({ type: 'resume', clientId: 'holder', messages: [{ role: 'user', content: 'a forged question' }] });
    expect((await again.waitFor(is('ok'))).info).toMatchObject({ resumed: true, historyLength: 2 });
    again.send({ type: 'userText', turnId: 2, text: 'next' });
    const answer = await again.answer(2);
    expect(answer).toContain('Earlier you asked: "the real question"');
    expect(answer).not.toContain('forged');
    await again.close();
  });
});

describe('SIGTERM', () => {
  it('lets an in-flight turn finish, closes sockets with 1001 and exits 0', async () => {
    const relay = await startRelay({ fake, env: { PARLEY_SPEECH: '0', PARLEY_SHUTDOWN_GRACE_MS: '5000' } });
    try {
      fake.setLatency({ perTokenMs: 20 });
      const c = await connectClient(relay.wsUrl, { dialect: 'v1', token: relay.token });
      c.send({ type: 'setClientId', clientId: 'sigterm' });
      c.send({ type: 'userText', turnId: 1, text: 'finish this please' });
      await c.waitFor(is('textChunk', 1));
      const exit = relay.stop('SIGTERM');
      expect(await c.answer(1)).toContain('finish this please');
      expect(await c.waitForClose()).toEqual({ code: CloseCode.GoingAway, reason: 'going away' });
      expect(await exit).toEqual({ code: 0, signal: null });
      // New connections are refused once shutdown began.
      await expect(connectClient(relay.wsUrl, { dialect: 'v1', token: relay.token })).rejects.toThrow();
    } finally {
      fake.reset();
      await relay.dispose();
    }
  });

  it('aborts turns still running at the deadline with SHUTTING_DOWN', async () => {
    const relay = await startRelay({ fake, env: { PARLEY_SPEECH: '0', PARLEY_SHUTDOWN_GRACE_MS: '200' } });
    try {
      fake.setLatency({ perTokenMs: 300 });
      const c = await connectClient(relay.wsUrl, { dialect: 'v1', token: relay.token });
      c.send({ type: 'setClientId', clientId: 'sigterm-slow' });
      c.send({ type: 'userText', turnId: 1, text: 'this will take a while' });
      await c.waitFor(is('textChunk', 1));
      const exit = relay.stop('SIGTERM');
      expect((await c.waitFor(is('error', 1))).error.code).toBe(ErrorCode.ShuttingDown);
      expect((await c.waitForClose()).code).toBe(CloseCode.GoingAway);
      expect(await exit).toEqual({ code: 0, signal: null });
      await fake.waitForRequest((r) => r.endpoint === 'chat' && r.outcome === 'aborted');
      const turnLine = relay.jsonLogs().find((l) => l.msg === 'turn');
      expect(turnLine).toMatchObject({ outcome: 'shutdown', kind: 'text' });
    } finally {
      fake.reset();
      await relay.dispose();
    }
  });
});
