import type OpenAI from 'openai';
import { APIError } from 'openai';
import { sleep, retryDelayMs, type RetryPolicy } from './retry.ts';
import { upstreamCancelled, upstreamCut, UpstreamError } from './upstream-error.ts';
import { createWatchdog } from './watchdog.ts';

export type UpstreamChatMessage = { role: 'system' | 'user' | 'assistant'; content: string };

/** Tokens the upstream billed for one completion (its `usage`, requested with include_usage). */
export interface ChatUsage {
  promptTokens: number;
  completionTokens: number;
}

export interface ChatRequest {
  messages: UpstreamChatMessage[];
  model: string;
  signal: AbortSignal;
  /** Called once per attempt that got as far as the final usage chunk (after the last delta). */
  onUsage?: (usage: ChatUsage) => void;
}

export interface ChatContext {
  timeoutMs: number;
  policy: RetryPolicy;
  secrets: readonly string[];
  /** Sent as max_completion_tokens when set (PARLEY_MAX_COMPLETION_TOKENS): caps every answer's length and cost. */
  maxCompletionTokens?: number;
}

/**
 * Streams a chat completion with our retry policy: one attempt per loop turn, each guarded by its
 * own watchdog. Retries happen only before the first delta reached the caller: after that a retry
 * would repeat text the user has already seen.
 * Attempt and retry loop share one generator on purpose: every nested async generator adds
 * microtask hops to each delta (docs/reliability.md, finding 3).
 * The SDK ends iteration silently when the request is aborted and does not notice a stream that
 * stops without a finish_reason, so both are checked after the loop.
 */
export async function* streamChat(client: OpenAI, req: ChatRequest, ctx: ChatContext): AsyncGenerator<string> {
  for (let attempt = 0; ; attempt++) {
    const watchdog = createWatchdog(req.signal, ctx.timeoutMs, 'chat', ctx.secrets);
    let delivered = false;
    let failure: UpstreamError;
    try {
      let finished = false;
      let receiving = false;
      try {
        const stream = await client.chat.completions.create(
          {
            model: req.model,
            messages: req.messages,
            stream: true,
            stream_options: { include_usage: true },
            ...(ctx.maxCompletionTokens === undefined ? {} : { max_completion_tokens: ctx.maxCompletionTokens }),
          },
          { signal: watchdog.signal },
        );
        receiving = true;
        for await (const chunk of stream) {
          // Chunks already buffered when we aborted must not reach a cancelled turn.
          if (watchdog.signal.aborted) break;
          watchdog.kick();
          if (chunk.usage) req.onUsage?.({ promptTokens: chunk.usage.prompt_tokens, completionTokens: chunk.usage.completion_tokens });
          const choice = chunk.choices[0];
          if (choice?.finish_reason) finished = true;
          const content = choice?.delta.content;
          if (content) {
            delivered = true;
            // While the consumer holds this delta, silence is ours, not OpenAI's.
            watchdog.pause();
            yield content;
            watchdog.kick();
          }
        }
      } catch (error) {
        // A body that breaks after a 200 is a cut stream, unless it was our own abort or an error event.
        if (receiving && !(error instanceof APIError) && !watchdog.signal.aborted) throw upstreamCut('chat', error);
        throw watchdog.classify(error);
      }
      if (req.signal.aborted || watchdog.signal.aborted) throw watchdog.classify(req.signal.reason);
      if (!finished) throw upstreamCut('chat');
      return;
    } catch (error) {
      // Everything thrown above is already an UpstreamError; anything else is a bug and propagates.
      if (!(error instanceof UpstreamError)) throw error;
      failure = error;
    } finally {
      watchdog.dispose();
    }
    const delay = delivered || req.signal.aborted ? undefined : retryDelayMs(failure, attempt, ctx.policy);
    if (delay === undefined) throw failure;
    await sleep(delay, req.signal, 'chat');
    if (req.signal.aborted) throw upstreamCancelled('chat');
  }
}
