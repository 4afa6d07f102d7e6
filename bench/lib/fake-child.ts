// The fake OpenAI in a process of its own, for scenarios whose clients would otherwise share the
// fake's event loop (scenario 4: 100 speakers' timers and sends, and the fake parsing 100 multipart
// uploads, one loop and one GC). Prints {"listening":{baseURL,apiKey}}; on a "transcriptions" line on
// stdin, {"transcriptions":[{bytes,startedAt}]} with startedAt on the shared wall clock (clock.ts).
// Env: FAKE_LATENCY (JSON FakeLatency). Ends when stdin closes.
import { startFakeOpenAI, type FakeLatency, type TranscriptionRequestBody } from '../../tests/fakes/fake-openai.ts';
import { toWall } from './clock.ts';

const say = (value: Record<string, unknown>) => process.stdout.write(`${JSON.stringify(value)}\n`);

const latency = JSON.parse(process.env.FAKE_LATENCY ?? '{}') as Partial<FakeLatency>;
const fake = await startFakeOpenAI({ latency });
say({ listening: { baseURL: fake.baseURL, apiKey: fake.apiKey } });

let pending = '';
process.stdin.setEncoding('utf8').on('data', (text: string) => {
  // A command may arrive split over reads: only whole lines count.
  const lines = (pending + text).split('\n');
  pending = lines.pop() ?? '';
  for (const line of lines) {
    if (line.trim() !== 'transcriptions') continue;
    const transcriptions = fake.requests
      .filter((r) => r.endpoint === 'transcription')
      .map((r) => ({ bytes: (r.body as TranscriptionRequestBody | undefined)?.bytes ?? -1, startedAt: toWall(r.startedAt) }));
    say({ transcriptions });
  }
});
process.stdin.on('end', () => {
  void fake.close().then(() => process.exit(0));
});
