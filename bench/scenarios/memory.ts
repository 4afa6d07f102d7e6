// Scenario 6: memory over a long conversation. One session, 200 text turns, each question 2,000
// characters (so an unbounded history would show: it would reach ~800 KB of text, sent upstream on
// every turn). Every 20 turns: relay RSS from /proc and the session's history length, read from the
// OK frame a second connection gets for the same client id. Upstream latencies are near zero here:
// this measures memory, not time. GC cannot be forced in another process, so the plateau is shown.
import { startFakeOpenAI } from '../../tests/fakes/fake-openai.ts';
import { openSession, type BenchClient } from '../lib/bench-client.ts';
import { rssBytes } from '../lib/proc.ts';
import { startParley, type BenchRelay } from '../lib/relays.ts';
import { fmtMiB, type Row } from '../lib/report.ts';
import type { Scenario } from '../lib/scenario.ts';

const TURNS = 200;
const SAMPLE_EVERY = 20;
const MAX_HISTORY_TURNS = 20;
const QUESTION_CHARS = 2000;

function turn(client: BenchClient, turnId: number, text: string): Promise<void> {
  return new Promise((resolve, reject) => {
    client.onFrame = (frame) => {
      if (frame.type === 'textEnd' && frame.turnId === turnId) resolve();
      else if (frame.type === 'error') reject(new Error(`turn ${turnId}: ${frame.error.code} ${frame.error.message}`));
    };
    client.send({ type: 'userText', turnId, text });
  });
}

async function historyLength(relay: BenchRelay, clientId: string): Promise<number> {
  const probe = await openSession(relay, clientId);
  probe.close();
  return probe.okInfo?.historyLength ?? Number.NaN;
}

export const memory: Scenario = {
  name: 'memory',
  title: `${TURNS} turns in one session`,
  async run(log) {
    // A short fixed answer: the fake's default one quotes the (long) questions and would make this slow.
    const fake = await startFakeOpenAI({
      latency: { firstTokenMs: 0, perTokenMs: 0, sttMs: 0, ttsMs: 0 },
      answer: (messages) => `Noted, that was message ${messages.length}. ${'All fine here. '.repeat(10)}`,
    });
    const relay = await startParley(fake, { PARLEY_HISTORY_MAX_TURNS: String(MAX_HISTORY_TURNS) });
    const samples: Array<{ turn: number; rss: number; history: number }> = [];
    try {
      const client = await openSession(relay, 'long-conversation');
      for (let t = 1; t <= TURNS; t++) {
        const text = `Question ${t}: ${'lorem ipsum '.repeat(QUESTION_CHARS / 12)}`.slice(0, QUESTION_CHARS);
        await turn(client, (t % 1000) + 1, text);
        if (t % SAMPLE_EVERY === 0) {
          const sample = { turn: t, rss: rssBytes(relay.pid), history: await historyLength(relay, 'long-conversation') };
          samples.push(sample);
          log(`  turn ${t}: RSS ${fmtMiB(sample.rss)}, history ${sample.history} messages`);
        }
      }
      client.close();
    } finally {
      await relay.stop();
      await fake.close();
    }
    const maxHistory = Math.max(...samples.map((s) => s.history));
    const mid = samples.find((s) => s.turn === TURNS / 2);
    const last = samples.at(-1);
    const growth = mid && last ? (last.rss - mid.rss) / mid.rss : Number.NaN;
    const scenario = `6 memory ${TURNS} turns`;
    return [
      {
        scenario,
        metric: 'history length (max over samples)',
        parley: `${maxHistory} messages`,
        target: `≤ ${2 * MAX_HISTORY_TURNS} (${MAX_HISTORY_TURNS} turns)`,
        pass: maxHistory <= 2 * MAX_HISTORY_TURNS,
        data: { samples },
      },
      {
        scenario,
        metric: `relay RSS at turn ${TURNS / 2} → ${TURNS}`,
        parley: mid && last ? `${fmtMiB(mid.rss)} → ${fmtMiB(last.rss)} (${(growth * 100).toFixed(1)} %)` : 'n/a',
        target: 'plateau (< 10 % growth)',
        pass: growth < 0.1,
      },
      { scenario, metric: 'RSS samples every 20 turns', parley: samples.map((s) => (s.rss / 2 ** 20).toFixed(0)).join(' ') + ' MiB' },
    ] satisfies Row[];
  },
};
