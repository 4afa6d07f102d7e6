// Refusals at the door (token, origin) and bad frames: each answered clearly, no upstream cost,
// and other connections unaffected.
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClientFrame, CloseCode, ErrorCode, PROTOCOL_V1 } from '../../../protocol/index.ts';
import { startFakeOpenAI, type FakeOpenAI } from '../../fakes/fake-openai.ts';
import { startRelay, type RelayProcess } from '../../helpers/relay-process.ts';
import { connectClient, is } from '../../helpers/ws-client.ts';

let fake: FakeOpenAI;
let relay: RelayProcess;

beforeAll(async () => {
  fake = await startFakeOpenAI({ apiKey: 'sk-auth-test-key-0123456789' });
  relay = await startRelay({
    fake,
    env: { PARLEY_MAX_FRAME_BYTES: '65536', PARLEY_ALLOWED_ORIGINS: 'https://allowed.example', PARLEY_SPEECH: '0' },
  });
});
afterAll(async () => {
  await relay?.dispose();
  await fake?.close();
});

describe('authentication and origin', () => {
  it('closes with 4401 for a missing or wrong token, before any upstream request', async () => {
    const cases = [
      connectClient(relay.wsUrl, { dialect: 'v1' }),
      connectClient(relay.wsUrl, { dialect: 'v1', token: 'wrong-token-wrong-token' }),
      connectClient(relay.wsUrl, { dialect: 'legacy', token: `${relay.token}x` }),
    ];
    for (const pending of cases) {
      const client = await pending;
      // Whatever it sends after the upgrade is never acted upon.
      client.send({ type: 'setClientId', clientId: 'intruder' });
      client.send({ type: 'userText', turnId: client.dialect === 'v1' ? 1 : 0, text: 'spend tokens' });
      const closed = await client.waitForClose();
      expect(closed).toEqual({ code: CloseCode.Unauthorized, reason: 'unauthorized: missing or wrong token' });
      expect(client.frames).toEqual([]);
    }
    expect(fake.requests).toEqual([]);
  });

  it('refuses an ordinary web origin with HTTP 403 and accepts extension and configured origins', async () => {
    await expect(connectClient(relay.wsUrl, { dialect: 'v1', token: relay.token, origin: 'https://evil.example' })).rejects.toThrow(/HTTP 403/);
    for (const origin of ['chrome-extension://abcdefghijklmnop', 'moz-extension://1234-5678', 'https://allowed.example']) {
      const client = await connectClient(relay.wsUrl, { dialect: 'v1', token: relay.token, origin });
      client.send({ type: 'ping', nonce: 7 });
      await client.waitFor(is('pong'));
      await client.close();
    }
    expect(fake.requests).toEqual([]);
  });

  it('selects parley.v1 and never echoes the token subprotocol', async () => {
    const client = await connectClient(relay.wsUrl, { dialect: 'v1', token: relay.token });
    expect(client.ws.protocol).toBe(PROTOCOL_V1);
    await client.close();
  });
});

describe('bad frames', () => {
  it('answers non-binary, unknown, truncated and premature frames with errors and keeps the connection usable', async () => {
    const other = await connectClient(relay.wsUrl, { dialect: 'v1', token: relay.token });
    other.send({ type: 'setClientId', clientId: 'bystander' });
    await other.waitFor(is('ok'));

    const client = await connectClient(relay.wsUrl, { dialect: 'v1', token: relay.token });
    const expectError = async (data: Uint8Array | string, code: string) => {
      const before = client.frames.length;
      client.sendRaw(data);
      const frame = await client.waitFor((f) => f.type === 'error' && client.frames.indexOf(f) >= before);
      expect(frame.type === 'error' && frame.error.code).toBe(code);
    };
    await expectError('hello as text', ErrorCode.NotText);
    await expectError(new Uint8Array([0x42, 1, 2]), ErrorCode.UnknownFrame);
    await expectError(new Uint8Array([ClientFrame.UserText, 0, 0]), ErrorCode.BadFrame);
    await expectError(new Uint8Array([ClientFrame.Cancel, 0, 0, 0, 1, 9]), ErrorCode.BadFrame);
    await expectError(new Uint8Array([ClientFrame.UserText, 0, 0, 0, 1, 0xff, 0xfe]), ErrorCode.BadFrame);
    await expectError(new Uint8Array([ClientFrame.UserText, 0, 0, 0, 1, 0x68, 0x69]), ErrorCode.NoClientId);
    await expectError(new Uint8Array([]), ErrorCode.BadFrame);

    client.send({ type: 'setClientId', clientId: 'bad-frames' });
    await client.waitFor(is('ok'));
    client.send({ type: 'userText', turnId: 5, text: 'still there?' });
    await client.answer(5);

    // A frame over maxPayload closes that socket with 1009; the bystander carries on.
    client.sendRaw(new Uint8Array(70_000).fill(ClientFrame.UserAudioChunk));
    expect((await client.waitForClose()).code).toBe(CloseCode.TooBig);
    other.send({ type: 'userText', turnId: 1, text: 'hello after the storm' });
    expect(await other.answer(1)).toContain('hello after the storm');
    await other.close();
  });

  it('refuses unknown settings and over-long or empty text with codes, and answers Ping with Pong', async () => {
    const client = await connectClient(relay.wsUrl, { dialect: 'v1', token: relay.token });
    client.send({ type: 'setClientId', clientId: 'limits' });
    await client.waitFor(is('ok'));
    client.sendRaw(new Uint8Array([ClientFrame.Settings, ...new TextEncoder().encode('{"colour":"red"}')]));
    expect((await client.waitFor(is('error'))).error.code).toBe(ErrorCode.BadSettings);
    client.send({ type: 'userText', turnId: 1, text: 'x'.repeat(8001) });
    expect((await client.waitFor(is('error', 1))).error.code).toBe(ErrorCode.TextTooLong);
    client.send({ type: 'userText', turnId: 2, text: '   ' });
    expect((await client.waitFor(is('error', 2))).error.code).toBe(ErrorCode.EmptyMessage);
    client.send({ type: 'audioEnd', turnId: 3 });
    expect((await client.waitFor(is('error', 3))).error.code).toBe(ErrorCode.EmptyAudio);
    client.send({ type: 'cancel', turnId: 4 });
    expect((await client.waitFor(is('error', 4))).error.code).toBe(ErrorCode.UnknownTurn);
    client.send({ type: 'ping', nonce: 0xfeedbeef });
    expect(await client.waitFor(is('pong'))).toEqual({ type: 'pong', nonce: 0xfeedbeef });
    await client.close();
  });
});

describe('heartbeat', () => {
  it('drops a peer that stops answering pings, keeps one that answers', async () => {
    const quick = await startRelay({ fake, env: { PARLEY_HEARTBEAT_MS: '150' } });
    try {
      const protocols = [PROTOCOL_V1, `parley-token.${quick.token}`];
      const silent = new WebSocket(quick.wsUrl, protocols, { autoPong: false });
      const healthy = new WebSocket(quick.wsUrl, protocols);
      const closed = new Promise<number>((resolve) => silent.once('close', (code) => resolve(code)));
      await new Promise((resolve) => healthy.once('open', resolve));
      // Abnormal closure: the relay terminated the TCP connection without a close frame.
      expect(await closed).toBe(1006);
      expect(healthy.readyState).toBe(WebSocket.OPEN);
      healthy.close();
    } finally {
      await quick.dispose();
    }
  });
});
