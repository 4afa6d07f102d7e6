// POST /v1/audio/transcriptions: multipart upload checks as OpenAI does them
// (extension, empty file, 25 MB, undecodable bytes), then a scripted transcript.
import { defaultTranscript, tokenize } from './fake-answers.ts';
import { cutConnection, delay, invalidRequest, sendError, sendStatusFailure } from './fake-http.ts';
import type { HandlerContext, TranscriptionRequestBody } from './fake-openai-types.ts';
import { streamsTranscripts, streamTranscription, wantsStream } from './fake-transcription-stream.ts';

export const MAX_AUDIO_BYTES = 25 * 1024 * 1024;

const AUDIO_EXTENSIONS = ['flac', 'm4a', 'mp3', 'mp4', 'mpeg', 'mpga', 'oga', 'ogg', 'wav', 'webm'] as const;

export type TranscriptionForm =
  | { ok: true; summary: TranscriptionRequestBody; file: Uint8Array }
  | { ok: false; message: string; param: string | null };

/** Parses the multipart body with undici's own parser (what `fetch` uses), so the fake is as strict as a real server. */
export async function parseTranscriptionForm(raw: Buffer, contentType: string | undefined): Promise<TranscriptionForm> {
  let form: FormData;
  // Buffer.concat always allocates a plain ArrayBuffer; the cast only narrows ArrayBufferLike.
  const body = raw as Uint8Array<ArrayBuffer>;
  try {
    form = await new Request('http://fake.invalid/', { method: 'POST', headers: { 'content-type': contentType ?? '' }, body }).formData();
  } catch {
    // The parser's message is about undici internals; OpenAI answers any unreadable form the same way.
    return { ok: false, message: 'Could not parse multipart form.', param: null };
  }
  const file = form.get('file');
  if (!(file instanceof File)) return { ok: false, message: "Missing required parameter: 'file'.", param: 'file' };
  const text = (name: string): string | undefined => {
    const value = form.get(name);
    return typeof value === 'string' ? value : undefined;
  };
  const summary: TranscriptionRequestBody = {
    model: text('model') ?? '',
    filename: file.name,
    contentType: file.type,
    bytes: file.size,
  };
  for (const name of ['language', 'prompt', 'response_format', 'stream'] as const) {
    const value = text(name);
    if (value !== undefined) summary[name] = value;
  }
  // The SDK sends arrays as repeated `include[]` fields.
  const include = [...form.getAll('include[]'), ...form.getAll('include')].filter((value): value is string => typeof value === 'string');
  if (include.length > 0) summary.include = include;
  return { ok: true, summary, file: new Uint8Array(await file.arrayBuffer()) };
}

/** Containers and streams OpenAI can decode, recognised by their first bytes. */
function looksLikeAudio(bytes: Uint8Array): boolean {
  const ascii = (offset: number, text: string): boolean =>
    [...text].every((char, i) => bytes[offset + i] === char.charCodeAt(0));
  const b0 = bytes[0] ?? 0;
  const b1 = bytes[1] ?? 0;
  return (
    (b0 === 0x1a && b1 === 0x45 && bytes[2] === 0xdf && bytes[3] === 0xa3) || // EBML (webm, mkv)
    ascii(0, 'OggS') ||
    ascii(0, 'RIFF') ||
    ascii(0, 'fLaC') ||
    ascii(0, 'ID3') ||
    ascii(4, 'ftyp') || // mp4, m4a
    (b0 === 0xff && (b1 & 0xe0) === 0xe0) // MPEG audio frame sync
  );
}

function invalidFormat(ctx: HandlerContext): void {
  invalidRequest(ctx, `Invalid file format. Supported formats: ${JSON.stringify(AUDIO_EXTENSIONS)}`, 'file', 'invalid_file_format');
}

export async function handleTranscription(ctx: HandlerContext, form: TranscriptionForm): Promise<void> {
  const { failure } = ctx;
  if (failure?.kind === 'status') return sendStatusFailure(ctx, failure);
  // A streamed transcription stalls mid-stream instead (fake-transcription-stream.ts).
  const streamed = form.ok && wantsStream(form.summary.stream) && streamsTranscripts(form.summary.model);
  if (failure?.kind === 'stall' && !streamed) return; // Never answer: the record stays pending until the client aborts.
  if (!form.ok) return invalidRequest(ctx, form.message, form.param);
  const { summary, file } = form;
  if (summary.model === '') return invalidRequest(ctx, 'you must provide a model parameter', 'model');
  const extension = summary.filename.split('.').pop()?.toLowerCase() ?? '';
  if (!summary.filename.includes('.') || !(AUDIO_EXTENSIONS as readonly string[]).includes(extension)) return invalidFormat(ctx);
  if (file.length === 0) {
    return invalidRequest(ctx, 'Audio file is too short. Minimum audio length is 0.1 seconds.', 'file', 'audio_too_short');
  }
  if (file.length > MAX_AUDIO_BYTES) return sendTooLarge(ctx, file.length);
  if (!looksLikeAudio(file)) return invalidFormat(ctx);
  const format = summary.response_format ?? 'json';
  if (!['json', 'text', 'verbose_json'].includes(format)) {
    return invalidRequest(ctx, `The fake does not support response_format '${format}'.`, 'response_format');
  }
  if (failure !== undefined && !streamed) return cutConnection(ctx);

  await delay(ctx.latency.sttMs, ctx.signal);
  const audio = { bytes: file, filename: summary.filename, model: summary.model, ...(summary.language === undefined ? {} : { language: summary.language }) };
  const text = ctx.recognize !== undefined ? await ctx.recognize(file, ctx.signal) : (ctx.options.transcript ?? defaultTranscript)(audio);
  ctx.record.transcript = text;
  const seconds = ctx.options.transcriptionSeconds ?? 1;
  if (streamed) {
    const logprobs = summary.include?.includes('logprobs') ?? false;
    return streamTranscription(ctx, text, transcriptionUsage(summary.model, seconds, text), { logprobs });
  }
  // Decoding time: the answer comes whole once the model has produced every piece (see fake-transcription-stream.ts).
  await delay(ctx.latency.sttPerTokenMs * tokenize(text).length, ctx.signal);
  // Whisper's text format ends with a newline; clients are expected to trim.
  const [contentType, body] =
    format === 'text'
      ? ['text/plain; charset=utf-8', `${text}\n`]
      : [
          'application/json',
          JSON.stringify(
            format === 'json'
              ? { text, usage: (ctx.record.usage = transcriptionUsage(summary.model, seconds, text)) }
              : { task: 'transcribe', language: summary.language ?? 'english', duration: seconds, text, segments: [], usage: { type: 'duration', seconds } },
          ),
        ];
  ctx.markFirstByte();
  ctx.res.writeHead(200, { 'content-type': contentType, 'content-length': Buffer.byteLength(body) });
  ctx.res.end(body);
  ctx.settle('completed');
}

/**
 * As OpenAI bills them: whisper-1 by duration (whole seconds), the gpt-4o transcribe models by tokens
 * (audio in, text out), which say nothing about the audio's length.
 */
export function transcriptionUsage(model: string, seconds: number, text: string): Record<string, unknown> {
  if (model === 'whisper-1') return { type: 'duration', seconds };
  const audioTokens = Math.max(1, Math.round(seconds * 10));
  const outputTokens = tokenize(text).length;
  return {
    type: 'tokens',
    input_tokens: audioTokens,
    input_token_details: { text_tokens: 0, audio_tokens: audioTokens },
    output_tokens: outputTokens,
    total_tokens: audioTokens + outputTokens,
  };
}

export function sendTooLarge(ctx: HandlerContext, bytes: number): void {
  sendError(ctx, 413, {
    message: `Maximum content size limit (${MAX_AUDIO_BYTES}) exceeded (${bytes} bytes read)`,
    type: 'server_error',
    param: null,
    code: null,
  });
}
