// POST /v1/audio/transcriptions with `stream=true`: the server-sent events OpenAI sends for the
// gpt-4o transcribe models (openai-node 6.30 `TranscriptionStreamEvent`, docs/conversation-mode.md):
//   data: {"type":"transcript.text.delta","delta":"What "}            (one per piece of text)
//   data: {"type":"transcript.text.done","text":"What is …","usage":{"type":"tokens",…}}
// `data:` lines only, no `event:` field. whisper-1 does not stream: OpenAI ignores `stream` for it and
// answers JSON, so fake-transcription.ts only hands gpt-4o-* (and other non-whisper) models to this file.
import { performance } from 'node:perf_hooks';
import { tokenize } from './fake-answers.ts';
import { cutConnection, delay } from './fake-http.ts';
import type { HandlerContext } from './fake-openai-types.ts';

/** Models OpenAI streams transcripts for; whisper-1 ignores `stream=true` (API reference). */
export function streamsTranscripts(model: string): boolean {
  return model !== 'whisper-1';
}

/** Multipart `stream` is sent as the string "true" by the SDK (and by curl -F stream=true). */
export function wantsStream(stream: string | undefined): boolean {
  return stream === 'true';
}

/** A made-up but well-formed log probability per piece, as `include[]=logprobs` asks. */
function logprobsFor(piece: string): Array<{ token: string; logprob: number; bytes: number[] }> {
  return [{ token: piece, logprob: -0.01, bytes: [...new TextEncoder().encode(piece)] }];
}

/**
 * Streams `text` as deltas. Latency model (FakeLatency): `sttMs` has already passed when this runs
 * (upload, audio encoding); then one piece every `sttPerTokenMs`, as a model decodes. The whole text
 * is therefore ready at the same moment as the non-streamed JSON answer (fake-transcription.ts waits
 * sttMs + pieces × sttPerTokenMs), and only its first words come earlier.
 * Injected failures break the stream halfway (at least one delta in): `cut` destroys the socket,
 * `endWithoutFinish` ends without the done event, `midStreamError` sends an error event, `stall` goes silent.
 */
export async function streamTranscription(
  ctx: HandlerContext,
  text: string,
  usage: Record<string, unknown>,
  options: { logprobs: boolean },
): Promise<void> {
  const { res, failure } = ctx;
  const pieces = tokenize(text);
  const event = (payload: Record<string, unknown>): string => `data: ${JSON.stringify(payload)}\n\n`;
  res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache' });
  res.flushHeaders();

  const breakAt = failure === undefined ? pieces.length : Math.max(1, Math.floor(pieces.length / 2));
  // Piece k is due k × sttPerTokenMs after the start, not after the previous timer fired: late timers
  // would otherwise add up, and the done event would come later than the unstreamed JSON does.
  const started = performance.now();
  for (const [index, piece] of pieces.slice(0, breakAt).entries()) {
    await delay(started + (index + 1) * ctx.latency.sttPerTokenMs - performance.now(), ctx.signal);
    ctx.markFirstByte();
    res.write(event({ type: 'transcript.text.delta', delta: piece, ...(options.logprobs ? { logprobs: logprobsFor(piece) } : {}) }));
  }

  if (failure?.kind === 'stall') return; // Silent until the client aborts; the record stays pending.
  if (failure?.kind === 'cut') return cutConnection(ctx);
  if (failure?.kind === 'endWithoutFinish') {
    res.end();
    return ctx.settle('failed');
  }
  if (failure?.kind === 'midStreamError') {
    res.end(event({ error: { message: 'The server had an error while processing your request.', type: 'server_error', param: null, code: null } }));
    return ctx.settle('failed');
  }
  ctx.markFirstByte(); // an empty transcript has no delta: the done event is the first byte
  ctx.record.usage = usage;
  res.end(event({ type: 'transcript.text.done', text, ...(options.logprobs ? { logprobs: pieces.flatMap(logprobsFor) } : {}), usage }));
  ctx.settle('completed');
}
