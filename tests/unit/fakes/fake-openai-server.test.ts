// @vitest-environment node
// The fake's CLI: starts from env, prints its baseURL as one JSON line, serves, exits cleanly on SIGTERM.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import OpenAI from 'openai';
import { expect, it } from 'vitest';

const cli = fileURLToPath(new URL('../../fakes/fake-openai-server.ts', import.meta.url));

it('serves on the printed baseURL with the configured key and demo prefix, and exits 0 on SIGTERM', async () => {
  const child = spawn(process.execPath, ['--import', 'tsx', cli], {
    env: { ...process.env, FAKE_OPENAI_PORT: '0', FAKE_OPENAI_KEY: 'sk-cli-test-key-1234', FAKE_OPENAI_DEMO: '1', FAKE_OPENAI_PER_TOKEN_MS: '0' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  try {
    const [line] = (await once(createInterface({ input: child.stdout }), 'line')) as [string];
    const announced = JSON.parse(line) as { msg: string; baseURL: string };
    expect(announced.msg).toBe('fake-openai listening');
    expect(announced.baseURL).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/v1$/);
    expect(line).not.toContain('sk-cli-test-key-1234');
    const client = new OpenAI({ apiKey: 'sk-cli-test-key-1234', baseURL: announced.baseURL, maxRetries: 0 });
    const completion = await client.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'hi' }] });
    expect(completion.choices[0]?.message.content).toMatch(/^\(Demo answer from Parley's fake OpenAI\) /);
    const exited = once(child, 'exit');
    child.kill('SIGTERM');
    expect(await exited).toEqual([0, null]);
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
  }
}, 20_000);
