// CLI for the fake OpenAI server (used by `npm run demo`, benchmarks and manual runs):
//   npx tsx tests/fakes/fake-openai-server.ts
// To stop it from a script, spawn `node --import tsx <this file>` (or node_modules/.bin/tsx) and
// signal that: npm exec does not forward SIGTERM, so signalling `npx` orphans the server.
// Env: FAKE_OPENAI_PORT (default 0 = any free port), FAKE_OPENAI_HOST (127.0.0.1),
// FAKE_OPENAI_KEY (default sk-fake-test-key), FAKE_OPENAI_DEMO=1, and latencies in ms:
// FAKE_OPENAI_FIRST_TOKEN_MS, FAKE_OPENAI_PER_TOKEN_MS, FAKE_OPENAI_STT_MS, FAKE_OPENAI_STT_PER_TOKEN_MS,
// FAKE_OPENAI_TTS_MS.
// Prints one JSON line {"msg":"fake-openai listening","baseURL":...} once it accepts requests.
import type { FakeLatency } from './fake-openai-types.ts';
import { startFakeOpenAI } from './fake-openai.ts';

function readNumber(name: string): number | undefined {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return undefined;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 0) {
    process.stderr.write(`${name} must be a non-negative number, got "${raw}"\n`);
    process.exit(2);
  }
  return value;
}

const LATENCY_ENV = {
  firstTokenMs: 'FAKE_OPENAI_FIRST_TOKEN_MS',
  perTokenMs: 'FAKE_OPENAI_PER_TOKEN_MS',
  sttMs: 'FAKE_OPENAI_STT_MS',
  sttPerTokenMs: 'FAKE_OPENAI_STT_PER_TOKEN_MS',
  ttsMs: 'FAKE_OPENAI_TTS_MS',
} as const satisfies Record<keyof FakeLatency, string>;

const latency: Partial<FakeLatency> = {};
for (const [key, name] of Object.entries(LATENCY_ENV) as Array<[keyof FakeLatency, string]>) {
  const value = readNumber(name);
  if (value !== undefined) latency[key] = value;
}

const apiKey = process.env.FAKE_OPENAI_KEY;
const fake = await startFakeOpenAI({
  port: readNumber('FAKE_OPENAI_PORT') ?? 0,
  host: process.env.FAKE_OPENAI_HOST ?? '127.0.0.1',
  ...(apiKey === undefined || apiKey === '' ? {} : { apiKey }),
  latency,
  demo: process.env.FAKE_OPENAI_DEMO === '1',
});
// The key is deliberately not printed: whoever started the fake chose it.
process.stdout.write(`${JSON.stringify({ msg: 'fake-openai listening', baseURL: fake.baseURL })}\n`);

let closing = false;
const shutdown = (): void => {
  if (closing) return;
  closing = true;
  fake.close().then(
    () => process.exit(0),
    (error: unknown) => {
      process.stderr.write(`fake-openai: close failed: ${String(error)}\n`);
      process.exit(1);
    },
  );
};
process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);
