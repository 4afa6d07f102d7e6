// `npm run demo`: the whole loop without an OpenAI key. Starts Parley's fake OpenAI in this process
// (answers clearly labelled as demo answers) and the real relay as a child process pointed at it.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { startFakeOpenAI } from '../tests/fakes/fake-openai.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

const fake = await startFakeOpenAI({
  demo: true,
  // Roughly what a real small model feels like, so the UI's streaming and speech can be judged.
  latency: { firstTokenMs: 300, perTokenMs: 30, sttMs: 300, ttsMs: 250 },
});

const relay = spawn(process.execPath, ['--import', 'tsx', 'server/index.ts', ...process.argv.slice(2)], {
  cwd: ROOT,
  // The token is resolved exactly as for a real relay (PARLEY_TOKEN, or generated once and stored),
  // so an extension paired during the demo keeps working with the real relay later.
  env: { ...process.env, OPENAI_BASE_URL: fake.baseURL, OPENAI_API_KEY: fake.apiKey, PARLEY_DEMO: 'fake-openai' },
  stdio: ['ignore', 'pipe', 'inherit'],
});

let banner = false;
relay.stdout.setEncoding('utf8');
relay.stdout.on('data', (chunk: string) => {
  process.stdout.write(chunk);
  if (banner || !chunk.includes('"msg":"listening"')) return;
  banner = true;
  process.stderr.write(
    [
      '',
      '================ PARLEY DEMO ================',
      'Answers, transcripts and voices are DEMO output from a fake OpenAI server, not a real model.',
      'Load the extension: `npm run build`, then Chrome → chrome://extensions → Developer mode →',
      '"Load unpacked" → .output/chrome-mv3 (Firefox: about:debugging → Load Temporary Add-on →',
      '.output/firefox-mv2/manifest.json). Paste the relay token in the options page (printed on first start;',
      'it is kept in $PARLEY_CONFIG_DIR/token, by default ~/.config/parley/token).',
      'For real answers: stop this and run `OPENAI_API_KEY=sk-... npm run relay`.',
      '==============================================',
      '',
    ].join('\n'),
  );
});

const forward = (signal: NodeJS.Signals) => relay.kill(signal);
process.on('SIGINT', forward);
process.on('SIGTERM', forward);
relay.on('exit', (code) => {
  void fake.close().finally(() => process.exit(code ?? 0));
});
