// A voice for the fake's answers: the fake's speech endpoint returns a 440 Hz tone, which a voice
// detector never takes for speech, so it cannot show whether the assistant's own voice comes back as a
// user turn. This proxy sits between the relay and the fake and, while `speechLike` is on, answers each
// speech request with espeak-ng saying the requested text (mp3, another voice than the "user"), after
// the fake has answered it (so the fake's latency and request log stay as they are). Everything else
// is passed through as it streams.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, request, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FakeOpenAI } from '../../tests/fakes/fake-openai.ts';

export interface SpeechProxy {
  baseURL: string;
  speechLike: boolean;
  close(): Promise<void>;
}

function espeakMp3(text: string): Buffer {
  const dir = mkdtempSync(join(tmpdir(), 'parley-bench-tts-'));
  try {
    const wav = join(dir, 'tts.wav');
    execFileSync('espeak-ng', ['-v', 'en-gb+f3', '-s', '160', '-w', wav, text]);
    return execFileSync('ffmpeg', ['-v', 'error', '-i', wav, '-ac', '1', '-ar', '24000', '-c:a', 'libmp3lame', '-b:a', '48k', '-f', 'mp3', '-'], { maxBuffer: 64 * 2 ** 20 });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const readAll = async (stream: IncomingMessage): Promise<Buffer> => {
  const parts: Buffer[] = [];
  for await (const part of stream) parts.push(part as Buffer);
  return Buffer.concat(parts);
};

export async function startSpeechProxy(fake: FakeOpenAI): Promise<SpeechProxy> {
  const cache = new Map<string, Buffer>();
  const upstream = new URL(fake.baseURL);
  const proxy: SpeechProxy = { baseURL: '', speechLike: false, close: async () => undefined };
  const server: Server = createServer((req, res) => {
    void (async () => {
      const body = await readAll(req);
      const out = request({ host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers }, (answer) => {
        const isSpeech = req.url?.endsWith('/audio/speech') === true && answer.statusCode === 200 && proxy.speechLike;
        if (!isSpeech) {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
          return;
        }
        void readAll(answer).then(() => {
          const input = String((JSON.parse(body.toString('utf8')) as { input?: unknown }).input ?? '');
          let mp3 = cache.get(input);
          if (!mp3) cache.set(input, (mp3 = espeakMp3(input)));
          res.writeHead(200, { 'content-type': 'audio/mpeg', 'content-length': mp3.length }).end(mp3);
        });
      });
      // The relay aborting a request (barge-in) closes ours upstream too, as the real API would see it.
      res.on('close', () => out.destroy());
      out.on('error', () => res.destroy());
      out.end(body);
    })();
  });
  // As in the fake: Node's 5 s idle keep-alive timeout races the relay's SDK reusing a socket, which then
  // fails a request with UPSTREAM_UNAVAILABLE (seen here between two turns) the real API would not cause.
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  proxy.baseURL = `http://127.0.0.1:${(server.address() as AddressInfo).port}${upstream.pathname}`;
  proxy.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return proxy;
}
