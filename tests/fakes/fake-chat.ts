// POST /v1/chat/completions: streaming (SSE chunks exactly as OpenAI sends them) and
// plain JSON completions, with injectable failures for the relay's error paths.
import { defaultAnswer, tokenize, type ChatMessageText } from './fake-answers.ts';
import { cutConnection, delay, invalidRequest, sendStatusFailure } from './fake-http.ts';
import type { HandlerContext } from './fake-openai-types.ts';

export const DEMO_PREFIX = "(Demo answer from Parley's fake OpenAI) ";

interface ChatRequest {
  model: string;
  messages: ChatMessageText[];
  stream: boolean;
  includeUsage: boolean;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** OpenAI accepts content as a string or as an array of parts; the fake only reads text parts. */
function contentText(content: unknown): string | undefined {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return undefined;
  return content
    .map((part) => (isRecord(part) && part.type === 'text' && typeof part.text === 'string' ? part.text : ''))
    .join('');
}

function parseChatRequest(body: unknown): ChatRequest | string {
  if (!isRecord(body)) return 'We could not parse the JSON body of your request.';
  if (typeof body.model !== 'string' || body.model === '') return 'you must provide a model parameter';
  if (!Array.isArray(body.messages) || body.messages.length === 0) return "Invalid 'messages': empty array. Expected an array with minimum length 1.";
  const messages: ChatMessageText[] = [];
  for (const [index, message] of body.messages.entries()) {
    const text = isRecord(message) ? contentText(message.content) : undefined;
    if (!isRecord(message) || typeof message.role !== 'string' || text === undefined) {
      return `Invalid value for 'messages[${index}]': expected an object with a role and text content.`;
    }
    messages.push({ role: message.role, content: text });
  }
  const streamOptions = body.stream_options;
  return {
    model: body.model,
    messages,
    stream: body.stream === true,
    includeUsage: isRecord(streamOptions) && streamOptions.include_usage === true,
  };
}

function usageFor(request: ChatRequest, completionTokens: number): { prompt_tokens: number; completion_tokens: number; total_tokens: number } {
  // A rough count in the spirit of OpenAI's (a few tokens of overhead per message).
  const promptTokens = request.messages.reduce((sum, m) => sum + tokenize(m.content).length + 4, 3);
  return { prompt_tokens: promptTokens, completion_tokens: completionTokens, total_tokens: promptTokens + completionTokens };
}

export async function handleChat(ctx: HandlerContext): Promise<void> {
  const { failure } = ctx;
  if (failure?.kind === 'status') return sendStatusFailure(ctx, failure);
  const request = parseChatRequest(ctx.record.body);
  if (typeof request === 'string') return invalidRequest(ctx, request);
  if (failure?.kind === 'stall') {
    if (request.stream) ctx.res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8' }).flushHeaders();
    return; // Never answer: the record stays pending until the client aborts.
  }
  const answerFn = ctx.options.answer ?? ((messages: ChatMessageText[]) => defaultAnswer(messages));
  const answer = (ctx.options.demo === true ? DEMO_PREFIX : '') + answerFn(request.messages, request.model);
  const tokens = tokenize(answer);
  if (!request.stream) {
    if (failure !== undefined) return cutConnection(ctx);
    await delay(ctx.latency.firstTokenMs + ctx.latency.perTokenMs * tokens.length, ctx.signal);
    return sendCompletion(ctx, request, answer, tokens.length);
  }
  return streamCompletion(ctx, request, tokens);
}

function completionId(ctx: HandlerContext): string {
  return `chatcmpl-fake${ctx.record.id}`;
}

function sendCompletion(ctx: HandlerContext, request: ChatRequest, answer: string, completionTokens: number): void {
  const body = JSON.stringify({
    id: completionId(ctx),
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model: request.model,
    choices: [
      { index: 0, message: { role: 'assistant', content: answer, refusal: null, annotations: [] }, logprobs: null, finish_reason: 'stop' },
    ],
    usage: (ctx.record.usage = usageFor(request, completionTokens)),
    system_fingerprint: 'fp_fake',
  });
  ctx.markFirstByte();
  ctx.res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  ctx.res.end(body);
  ctx.settle('completed');
}

async function streamCompletion(ctx: HandlerContext, request: ChatRequest, tokens: string[]): Promise<void> {
  const { res, failure } = ctx;
  const created = Math.floor(Date.now() / 1000);
  const chunk = (choices: unknown[], extra: Record<string, unknown> = {}): string => {
    const payload = { id: completionId(ctx), object: 'chat.completion.chunk', created, model: request.model, system_fingerprint: 'fp_fake', choices, ...extra };
    return `data: ${JSON.stringify(request.includeUsage ? { usage: null, ...payload } : payload)}\n\n`;
  };
  const choice = (delta: Record<string, unknown>, finishReason: string | null = null): unknown => ({ index: 0, delta, logprobs: null, finish_reason: finishReason });

  res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache' });
  res.flushHeaders();
  await delay(ctx.latency.firstTokenMs, ctx.signal);
  ctx.markFirstByte();
  res.write(chunk([choice({ role: 'assistant', content: '', refusal: null })]));

  // Failures that break the stream do so halfway through the answer (at least one delta in).
  const breakAt = failure === undefined ? tokens.length : Math.max(1, Math.floor(tokens.length / 2));
  const firstAt = performance.now();
  const wait = (index: number) =>
    ctx.options.steadyTokens ? Math.max(0, firstAt + index * ctx.latency.perTokenMs - performance.now()) : ctx.latency.perTokenMs;
  const burst = ctx.options.burstTokens === true;
  if (burst) res.cork();
  for (const [index, token] of tokens.slice(0, breakAt).entries()) {
    if (index > 0 && !burst) await delay(wait(index), ctx.signal);
    ctx.onDelta?.(ctx.record.id, token);
    res.write(chunk([choice({ content: token })]));
  }
  if (burst) res.uncork();

  if (failure?.kind === 'cut') return cutConnection(ctx);
  if (failure?.kind === 'endWithoutFinish') {
    res.end();
    return ctx.settle('failed');
  }
  if (failure?.kind === 'midStreamError') {
    res.end(`data: ${JSON.stringify({ error: { message: 'The server had an error while processing your request.', type: 'server_error', param: null, code: null } })}\n\n`);
    return ctx.settle('failed');
  }
  res.write(chunk([choice({}, 'stop')]));
  if (request.includeUsage) {
    ctx.record.usage = usageFor(request, tokens.length);
    res.write(chunk([], { usage: ctx.record.usage }));
  }
  res.end('data: [DONE]\n\n');
  ctx.settle('completed');
}
