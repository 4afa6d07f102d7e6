// Load (npm run test:reliability): 1,000 concurrent sessions (a tenth on the legacy dialect), each
// doing 5 turns back to back: no turn lost, none mixed with another, every text exactly the fake's
// answer. Then a flood from one connection against the per-token turn budget.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode } from '../../protocol/index.ts';
import { startFakeOpenAI, type FakeOpenAI } from '../fakes/fake-openai.ts';
import { startRelay, type RelayProcess } from '../helpers/relay-process.ts';
import { connectClient, type TestClient } from '../helpers/ws-client.ts';
import { recordFigures } from './support/figures.ts';
import { relayProblems } from './support/fuzz-run.ts';

const SESSIONS = 1000;
const TURNS = 5;
const answerFor = (question: string) => `Answer for ${question}: the fake says so.`;
let fake: FakeOpenAI;

beforeAll(async () => {
  fake = await startFakeOpenAI({
    latency: { firstTokenMs: 50, perTokenMs: 10, sttMs: 5, ttsMs: 5 },
    answer: (messages) => answerFor(messages.filter((m) => m.role === 'user').at(-1)?.content ?? ''),
  });
});
afterAll(async () => {
  await fake?.close();
});

async function openMany(relay: RelayProcess, count: number): Promise<TestClient[]> {
  const out: TestClient[] = [];
  for (let i = 0; i < count; i += 50) {
    const batch = Array.from({ length: Math.min(50, count - i) }, async (_, k) => {
      const index = i + k;
      const dialect = index % 10 === 9 ? 'legacy' : 'v1';
      const client = await connectClient(relay.wsUrl, { dialect, token: relay.token });
      if (dialect === 'v1') client.send({ type: 'settings', settings: { speech: false } });
      client.send({ type: 'setClientId', clientId: `load-${index}` });
      await client.waitFor((f) => f.type === 'ok' && (dialect === 'legacy' || f.info !== undefined));
      return client;
    });
    out.push(...(await Promise.all(batch)));
  }
  return out;
}

describe('load', () => {
  let relay: RelayProcess;
  beforeAll(async () => {
    relay = await startRelay({
      fake,
      // Upstream retries stay at the product default (2): with 0, a burst of 1,000 turns right after
      // another saw hundreds of "could not reach OpenAI" failures (docs/reliability.md, findings).
      env: { PARLEY_SPEECH: '0', PARLEY_MAX_CONNECTIONS: '2000', PARLEY_MAX_SESSIONS: '5000', PARLEY_MAX_SESSIONS_PER_TOKEN: '5000', PARLEY_TURNS_PER_MINUTE: '1000000', PARLEY_TURNS_PER_MINUTE_PER_SESSION: '1000000', PARLEY_UPSTREAM_RETRY_BASE_MS: '100' },
    });
  });
  afterAll(async () => {
    await relay?.dispose();
  });

  it(`${SESSIONS} concurrent sessions × ${TURNS} turns: none lost, none mixed, every text exact`, async () => {
    const clients = await openMany(relay, SESSIONS);
    const started = performance.now();
    const problems: string[] = [];
    await Promise.all(
      clients.map(async (client, s) => {
        for (let t = 1; t <= TURNS; t++) {
          const question = `session ${s} turn ${t}`;
          const turnId = client.dialect === 'v1' ? t : 0;
          const from = client.frames.length;
          client.send({ type: 'userText', turnId, text: question });
          const end = await client.waitFor((f) => client.frames.indexOf(f) >= from && (f.type === 'textEnd' || f.type === 'error') && f.turnId === turnId, 60_000);
          const frames = client.frames.slice(from);
          const text = frames.filter((f) => f.type === 'textChunk').map((f) => (f.type === 'textChunk' ? f.text : '')).join('');
          if (end.type !== 'textEnd') problems.push(`${question}: ${end.type === 'error' ? end.error.code : end.type}`);
          else if (text !== answerFor(question)) problems.push(`${question}: got ${JSON.stringify(text.slice(0, 60))}`);
          // Frames of other turns on this connection would be a mix-up (turns here are sequential).
          if (frames.some((f) => 'turnId' in f && f.turnId !== turnId)) problems.push(`${question}: foreign frames`);
        }
      }),
    );
    const seconds = (performance.now() - started) / 1000;
    await Promise.all(clients.map((c) => c.close()));
    const chatRequests = fake.requests.filter((r) => r.endpoint === 'chat').length;
    recordFigures('load', { sessions: SESSIONS, turnsEach: TURNS, turns: SESSIONS * TURNS, problems: problems.length, sample: problems.slice(0, 8), relayErrors: relayProblems(relay).slice(0, 4).map((l) => l.slice(0, 600)), seconds: +seconds.toFixed(1), chatRequests });
    expect(problems).toEqual([]);
    expect(chatRequests).toBe(SESSIONS * TURNS);
    expect(relayProblems(relay)).toEqual([]);
  });
});

describe('per-token turn budget under a flood', () => {
  const BUDGET = 40;
  let relay: RelayProcess;
  beforeAll(async () => {
    fake.reset();
    relay = await startRelay({ fake, env: { PARLEY_SPEECH: '0', PARLEY_TURNS_PER_MINUTE: String(BUDGET), PARLEY_TURNS_PER_MINUTE_PER_SESSION: String(BUDGET / 2), PARLEY_UPSTREAM_RETRIES: '0' } });
  });
  afterAll(async () => {
    await relay?.dispose();
  });

  it('caps upstream work at the budget; a flooding session cannot take its neighbours’ turns', async () => {
    const neighbours = await openMany(relay, 10);
    const flooder = (await openMany(relay, 1))[0] as TestClient;
    // Neighbours start one turn each, then the flood begins: waves of 6 (the connection cap is 3).
    for (const [i, n] of neighbours.entries()) n.send({ type: 'userText', turnId: n.dialect === 'v1' ? 1 : 0, text: `neighbour ${i}` });
    let turnId = 0;
    let limited = 0;
    let tooMany = 0;
    for (let wave = 0; wave < 40; wave++) {
      const ids = Array.from({ length: 6 }, () => ++turnId);
      for (const id of ids) flooder.send({ type: 'userText', turnId: id, text: `flood ${id}` });
      const ends = await Promise.all(ids.map((id) => flooder.waitFor((f) => (f.type === 'textEnd' || f.type === 'error') && f.turnId === id, 30_000)));
      for (const end of ends) {
        if (end.type === 'error' && end.error.code === ErrorCode.RateLimited) limited++;
        if (end.type === 'error' && end.error.code === ErrorCode.TooManyTurns) tooMany++;
      }
    }
    const neighbourFirst = await Promise.all(neighbours.map((n, i) => n.answer(n.dialect === 'v1' ? 1 : 0).then((text) => text === answerFor(`neighbour ${i}`))));
    // The flood spent only its session's share (half the token's budget): a neighbour's next turn still runs.
    // neighbours[0] shares the flooder's client id (`load-0`, openMany numbers from 0), so ask another.
    const later = neighbours[1] as TestClient;
    later.send({ type: 'userText', turnId: 2, text: 'neighbour again' });
    const laterEnd = await later.waitFor((f) => (f.type === 'textEnd' || f.type === 'error') && f.turnId === 2);
    const chatRequests = fake.requests.filter((r) => r.endpoint === 'chat').length;
    recordFigures('load-flood', {
      budgetPerMinute: BUDGET,
      floodTurns: turnId,
      rateLimited: limited,
      tooManyTurns: tooMany,
      upstreamChatRequests: chatRequests,
      neighboursFirstTurnCompleted: neighbourFirst.filter(Boolean).length,
      neighbourTurnAfterFlood: laterEnd.type === 'error' ? laterEnd.error.code : 'completed',
    });
    expect(neighbourFirst.every(Boolean)).toBe(true);
    expect(limited).toBeGreaterThan(0);
    expect(chatRequests).toBeLessThanOrEqual(BUDGET);
    expect(laterEnd.type === 'error' ? laterEnd.error.code : laterEnd.type).toBe('textEnd');
    await Promise.all([...neighbours, flooder].map((c) => c.close()));
  });
});
