// A fake OpenAI HTTP server speaking the real wire formats (chat SSE, multipart
// transcriptions, binary speech, error JSON) for tests, `npm run demo` and benchmarks.
// It records every request and notices client aborts, so tests can prove the relay
// cancels upstream work. Handlers live in fake-chat/-transcription/-speech.ts.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { handleChat } from './fake-chat.ts';
import { readBody, redactKey, sendError } from './fake-http.ts';
import type {
  FakeEndpoint,
  FakeFailure,
  FakeLatency,
  FakeOpenAI,
  FakeOpenAIOptions,
  HandlerContext,
  RecordedRequest,
} from './fake-openai-types.ts';
import { createPhraseRecognizer, type PhraseRecognizer } from './fake-recognizer.ts';
import { handleSpeech } from './fake-speech.ts';
import { handleTranscription, MAX_AUDIO_BYTES, parseTranscriptionForm, sendTooLarge } from './fake-transcription.ts';

export { defaultAnswer, defaultTranscript, tokenize } from './fake-answers.ts';
export { DEMO_PREFIX } from './fake-chat.ts';
export { speechDurationMs } from './fake-speech.ts';
export type { FakeEndpoint, FakeFailure, FakeLatency, FakeOpenAI, FakeOpenAIOptions, RecordedRequest, TranscriptionRequestBody } from './fake-openai-types.ts';

export const DEFAULT_FAKE_API_KEY = 'sk-fake-test-key';
const DEFAULT_LATENCY: FakeLatency = { firstTokenMs: 0, perTokenMs: 2, sttMs: 5, sttPerTokenMs: 0, ttsMs: 5 };
const MAX_JSON_BYTES = 10 * 1024 * 1024;
// Multipart framing adds a little on top of the file itself.
const MAX_MULTIPART_BYTES = MAX_AUDIO_BYTES + 1024 * 1024;

const ROUTES: Record<string, FakeEndpoint> = {
  '/v1/chat/completions': 'chat',
  '/v1/audio/transcriptions': 'transcription',
  '/v1/audio/speech': 'speech',
};

interface Waiter {
  predicate: (r: RecordedRequest) => boolean;
  resolve: (r: RecordedRequest) => void;
}

function parseJson(raw: Buffer): unknown {
  try {
    return JSON.parse(raw.toString('utf8'));
  } catch {
    return undefined; // Handlers answer an unparseable body with OpenAI's 400.
  }
}

export async function startFakeOpenAI(options: FakeOpenAIOptions = {}): Promise<FakeOpenAI> {
  const apiKey = options.apiKey ?? DEFAULT_FAKE_API_KEY;
  const initialLatency: FakeLatency = { ...DEFAULT_LATENCY, ...options.latency };
  let latency = { ...initialLatency };
  const requests: RecordedRequest[] = [];
  const failures: Record<FakeEndpoint, FakeFailure[]> = { chat: [], transcription: [], speech: [] };
  const waiters = new Set<Waiter>();
  let nextId = 1;
  let recognizer: PhraseRecognizer | undefined;

  const notify = (): void => {
    for (const waiter of waiters) {
      const match = requests.find(waiter.predicate);
      if (match !== undefined) {
        waiters.delete(waiter);
        waiter.resolve(match);
      }
    }
  };

  const handleRequest = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const path = new URL(req.url ?? '/', 'http://fake.invalid').pathname;
    const endpoint = req.method === 'POST' ? ROUTES[path] : undefined;
    if (endpoint === undefined) {
      const body = JSON.stringify({ error: { message: `Invalid URL (${req.method ?? ''} ${path})`, type: 'invalid_request_error', param: null, code: null } });
      res.writeHead(404, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }).end(body);
      return;
    }

    const record: RecordedRequest = { id: nextId++, endpoint, path, authorized: false, body: undefined, startedAt: performance.now(), outcome: 'pending' };
    requests.push(record);
    const controller = new AbortController();
    const ctx: HandlerContext = {
      req,
      res,
      record,
      latency,
      failure: undefined,
      signal: controller.signal,
      options,
      onDelta: (id, text) => fake.onDelta?.(id, text),
      recognize: recognizer?.recognize,
      markFirstByte: () => {
        record.firstByteAt ??= performance.now();
      },
      settle: (outcome) => {
        if (record.outcome !== 'pending') return;
        record.outcome = outcome;
        record.endedAt = performance.now();
        notify();
      },
    };
    res.setHeader('x-request-id', `req_fake_${record.id}`);
    res.on('close', () => {
      // 'close' after a normal end is expected; before it, the client went away.
      if (record.outcome === 'pending') {
        record.outcome = res.writableFinished ? 'completed' : 'aborted';
        record.endedAt = performance.now();
        notify();
      }
      controller.abort(new Error('client closed the request'));
    });
    notify();

    try {
      await serve(ctx, endpoint);
    } catch (error) {
      // An abortable delay rejecting after the client left is the normal way out of a handler.
      if (res.destroyed || res.writableEnded) return;
      const message = `Fake OpenAI internal error: ${error instanceof Error ? error.message : String(error)}`;
      if (res.headersSent) res.destroy();
      else sendError(ctx, 500, { message, type: 'server_error', param: null, code: null });
      ctx.settle('failed');
    }
  };

  const serve = async (ctx: HandlerContext, endpoint: FakeEndpoint): Promise<void> => {
    const { req, record } = ctx;
    const read = await readBody(req, endpoint === 'transcription' ? MAX_MULTIPART_BYTES : MAX_JSON_BYTES);
    const form = endpoint === 'transcription' && read.ok ? await parseTranscriptionForm(read.body, req.headers['content-type']) : undefined;
    record.body = form !== undefined ? (form.ok ? form.summary : undefined) : read.ok ? parseJson(read.body) : undefined;

    const presented = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    record.authorized = presented === apiKey;
    notify(); // Waiters may match on the body or on authorization.
    if (!record.authorized) {
      const message =
        presented === undefined
          ? "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY)."
          : `Incorrect API key provided: ${redactKey(presented)}. You can find your API key at https://platform.openai.com/account/api-keys.`;
      return sendError(ctx, 401, { message, type: 'invalid_request_error', param: null, code: 'invalid_api_key' });
    }
    if (!read.ok) return sendTooLarge(ctx, read.bytesRead);
    ctx.failure = failures[endpoint].shift();
    if (endpoint === 'chat') return handleChat(ctx);
    if (endpoint === 'speech') return handleSpeech(ctx);
    return handleTranscription(ctx, form ?? { ok: false, message: 'Could not parse multipart form.', param: null });
  };

  const server = createServer((req, res) => {
    // handleRequest settles every failure itself; nothing is left to reject.
    void handleRequest(req, res);
  });
  // Node closes idle keep-alive sockets after 5 s; a client reusing one at that moment fails with a
  // connection error the real API's long-lived edge would not cause, which made load runs flaky.
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;

  const fake: FakeOpenAI = {
    baseURL: `http://${host}:${address.port}/v1`,
    port: address.port,
    apiKey,
    requests,
    failNext(endpoint, failure, times = 1) {
      for (let i = 0; i < times; i++) failures[endpoint].push(failure);
    },
    setLatency(partial) {
      latency = { ...latency, ...partial };
    },
    waitForRequest(predicate, timeoutMs = 5000) {
      return new Promise((resolve, reject) => {
        const existing = requests.find(predicate);
        if (existing !== undefined) return resolve(existing);
        const timer = setTimeout(() => {
          waiters.delete(waiter);
          reject(new Error(`waitForRequest: no matching request within ${timeoutMs} ms (seen: ${JSON.stringify(requests.map((r) => [r.id, r.endpoint, r.outcome]))})`));
        }, timeoutMs);
        const waiter: Waiter = {
          predicate,
          resolve: (r) => {
            clearTimeout(timer);
            resolve(r);
          },
        };
        waiters.add(waiter);
      });
    },
    async setPhrases(phrases) {
      const next = phrases === undefined ? undefined : await createPhraseRecognizer(phrases);
      const previous = recognizer;
      recognizer = next;
      await previous?.dispose();
    },
    reset() {
      requests.length = 0;
      for (const queue of Object.values(failures)) queue.length = 0;
      latency = { ...initialLatency };
    },
    async close() {
      await recognizer?.dispose();
      recognizer = undefined;
      return new Promise((resolve, reject) => {
        server.close((error) => (error === undefined ? resolve() : reject(error)));
        // Stalled and keep-alive connections would otherwise hold close() open forever.
        server.closeAllConnections();
      });
    },
  };
  return fake;
}
