// A relay without an admin token but with PARLEY_METRICS_PUBLIC=1, transcribing with whisper-1:
// /admin/usage does not exist, /metrics is open to direct loopback scrapers only, and the seconds
// a duration-billed model reports are what usage counts.
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeOpenAI, type FakeOpenAI } from '../../fakes/fake-openai.ts';
import { sampleValue } from '../../helpers/prometheus-text.ts';
import { startRelay, type RelayProcess } from '../../helpers/relay-process.ts';
import { connectClient, is } from '../../helpers/ws-client.ts';

// Not the recording's 1.866 s: proves the upstream's billed duration wins over our own measurement.
const WHISPER_SECONDS = 4;
let fake: FakeOpenAI;
let relay: RelayProcess;

beforeAll(async () => {
  fake = await startFakeOpenAI({
    apiKey: 'sk-metrics-test-key-0123456789',
    latency: { firstTokenMs: 1, perTokenMs: 1, sttMs: 1, ttsMs: 1 },
    transcriptionSeconds: WHISPER_SECONDS,
  });
  relay = await startRelay({ fake, env: { PARLEY_METRICS_PUBLIC: '1', PARLEY_STT_MODEL: 'whisper-1', PARLEY_SPEECH: '0' } });
});
afterAll(async () => {
  await relay?.dispose();
  await fake?.close();
});

describe('metrics without an admin token', () => {
  it('has no /admin/usage at all', async () => {
    const res = await fetch(`${relay.httpUrl}/admin/usage`, { headers: { Authorization: `Bearer ${relay.token}` } });
    expect(res.status).toBe(404);
  });

  it('serves /metrics to a direct loopback scrape and counts whisper-1 seconds as billed', async () => {
    const c = await connectClient(relay.wsUrl, { dialect: 'v1', token: relay.token });
    c.send({ type: 'setClientId', clientId: 'whisper-user' });
    await c.waitFor(is('ok'));
    c.send({ type: 'audioChunk', turnId: 1, data: await readFile(new URL('../../fixtures/question.webm', import.meta.url)) });
    c.send({ type: 'audioEnd', turnId: 1 });
    await c.answer(1);
    await c.close();
    expect(fake.requests.find((r) => r.endpoint === 'transcription')?.usage).toEqual({ type: 'duration', seconds: WHISPER_SECONDS });

    const res = await fetch(`${relay.httpUrl}/metrics`);
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(sampleValue(text, 'parley_token_transcribed_seconds_total', { token: 'default' })).toBe(WHISPER_SECONDS);
    expect(sampleValue(text, 'parley_turns_total', { kind: 'voice', transport: 'ws', outcome: 'ok' })).toBe(1);
    expect(relay.jsonLogs().find((line) => line.msg === 'turn')).toMatchObject({ transcribedMs: WHISPER_SECONDS * 1000 });
  });

  it('refuses a scrape that came through a reverse proxy on the same machine', async () => {
    for (const header of ['X-Forwarded-For', 'Forwarded', 'X-Real-IP']) {
      const res = await fetch(`${relay.httpUrl}/metrics`, { headers: { [header]: '203.0.113.7' } });
      expect(res.status).toBe(403);
      expect(await res.text()).not.toContain('parley_');
    }
  });
});
