// POST /v1/audio/speech: validates like OpenAI and answers with real audio whose
// length follows the input, so playback in step with typing behaves realistically.
import { mp3Audio, tonePcm, wavAudio } from './fake-audio.ts';
import { cutConnection, delay, invalidRequest, sendStatusFailure } from './fake-http.ts';
import type { HandlerContext } from './fake-openai-types.ts';
import { espeakAudio } from './fake-voice.ts';

export const MAX_SPEECH_INPUT = 4096;
export const MS_PER_CHARACTER = 60;
export const MIN_SPEECH_MS = 300;

/** Audio length the fake produces for `input` at `speed` (mp3 rounds up to whole 24 ms frames). */
export function speechDurationMs(input: string, speed = 1): number {
  return Math.max(MIN_SPEECH_MS, input.length * MS_PER_CHARACTER) / speed;
}

const FORMATS = {
  mp3: { contentType: 'audio/mpeg', encode: mp3Audio },
  wav: { contentType: 'audio/wav', encode: wavAudio },
  pcm: { contentType: 'audio/pcm', encode: tonePcm },
} as const;

function isFormat(value: string): value is keyof typeof FORMATS {
  return Object.hasOwn(FORMATS, value);
}

export async function handleSpeech(ctx: HandlerContext): Promise<void> {
  const { failure } = ctx;
  if (failure?.kind === 'status') return sendStatusFailure(ctx, failure);
  if (failure?.kind === 'stall') return; // Never answer: the record stays pending until the client aborts.
  const body = ctx.record.body;
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return invalidRequest(ctx, 'We could not parse the JSON body of your request.');
  }
  const { model, input, voice, response_format: format = 'mp3', speed = 1 } = body as Record<string, unknown>;
  if (typeof model !== 'string' || model === '') return invalidRequest(ctx, 'you must provide a model parameter', 'model');
  if (typeof input !== 'string' || input === '') return invalidRequest(ctx, "Missing required parameter: 'input'.", 'input');
  if (input.length > MAX_SPEECH_INPUT) {
    return invalidRequest(ctx, `[{'type': 'string_too_long', 'loc': ('body', 'input'), 'msg': 'String should have at most ${MAX_SPEECH_INPUT} characters'}]`, 'input', 'string_too_long');
  }
  if (typeof voice !== 'string' || voice === '') return invalidRequest(ctx, "Missing required parameter: 'voice'.", 'voice');
  if (typeof format !== 'string' || !isFormat(format)) {
    return invalidRequest(ctx, `The fake supports response_format mp3, wav and pcm, not '${String(format)}'.`, 'response_format');
  }
  if (typeof speed !== 'number' || speed < 0.25 || speed > 4) {
    return invalidRequest(ctx, 'speed must be a number between 0.25 and 4.0.', 'speed');
  }

  await delay(ctx.latency.ttsMs, ctx.signal);
  const { contentType, encode } = FORMATS[format];
  const audio = ctx.options.speechVoice === 'espeak' ? await espeakAudio(input, speed, format) : encode(speechDurationMs(input, speed));
  ctx.markFirstByte();
  ctx.res.writeHead(200, { 'content-type': contentType, 'content-length': audio.length });
  if (failure !== undefined) {
    ctx.res.write(audio.subarray(0, Math.floor(audio.length / 2)));
    return cutConnection(ctx);
  }
  ctx.res.end(audio);
  ctx.settle('completed');
}
