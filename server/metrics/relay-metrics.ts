// Every Prometheus metric of the relay, registered in one place on a registry of its own. The
// relay reports through the TurnObserver it returns; nothing else imports prom-client.
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { ErrorCode } from '../../protocol/index.ts';
import type { TurnLogRecord } from '../log.ts';
import type { TurnObserver } from '../session/turn-observer.ts';
import { clusterMetricsRenderer } from './cluster-metrics.ts';

export interface RelayMetricsOptions {
  /** Open WebSocket connections, read at scrape time. */
  connections: () => number;
  /** The label a token id gets: its name when it has one, else the id itself. */
  tokenLabel: (tokenId: string) => string;
  /** Distinct token labels before the rest are counted as "other" (default 100). */
  maxTokenLabels?: number;
  /** Node's process metrics (CPU, memory, event loop lag); off in unit tests. */
  processMetrics?: boolean;
}

export interface RelayMetrics {
  observer: TurnObserver;
  /** The exposition text for GET /metrics: this process's, or every worker's summed under PARLEY_WORKERS. */
  render(): Promise<string>;
  contentType: string;
}

/** Voice-chat latencies: tens of milliseconds to a minute (the upstream timeout). */
const LATENCY_BUCKETS = [0.05, 0.1, 0.25, 0.5, 0.75, 1, 1.5, 2, 3, 5, 8, 13, 20, 30, 60];

const seconds = (ms: number) => ms / 1000;

export function createRelayMetrics(options: RelayMetricsOptions): RelayMetrics {
  // A registry of our own, not prom-client's global one: two relays in one process (tests) stay apart.
  const registry = new Registry();
  const registers = [registry];
  if (options.processMetrics ?? true) collectDefaultMetrics({ register: registry });

  const turns = new Counter({ name: 'parley_turns_total', help: 'Turns that ended, by kind, transport and outcome.', labelNames: ['kind', 'transport', 'outcome'], registers });
  const turnSeconds = new Histogram({ name: 'parley_turn_seconds', help: 'Whole turn, from start to its last frame.', labelNames: ['kind', 'outcome'], buckets: LATENCY_BUCKETS, registers });
  const firstToken = new Histogram({ name: 'parley_first_token_seconds', help: 'Turn start to the first answer text.', labelNames: ['kind'], buckets: LATENCY_BUCKETS, registers });
  const firstAudio = new Histogram({ name: 'parley_first_audio_seconds', help: 'Turn start to the first spoken sentence.', labelNames: ['kind'], buckets: LATENCY_BUCKETS, registers });
  const stt = new Histogram({ name: 'parley_stt_seconds', help: 'Voice turn start to the transcript.', buckets: LATENCY_BUCKETS, registers });
  const speculations = new Counter({
    name: 'parley_stt_speculations_total',
    help: 'Speculative transcriptions started on SpeechPaused: used as the turn\'s transcript, or not (superseded, speech resumed, failed).',
    labelNames: ['outcome'],
    registers,
  });
  const errors = new Counter({ name: 'parley_errors_total', help: 'Errors by wire code and stage (stt, chat, tts, relay, admission).', labelNames: ['code', 'stage'], registers });
  new Gauge({
    name: 'parley_connections',
    help: 'Open WebSocket connections.',
    registers,
    collect() {
      this.set(options.connections());
    },
  });
  const usage = {
    turns: new Counter({ name: 'parley_token_turns_total', help: 'Turns per token.', labelNames: ['token'], registers }),
    promptTokens: new Counter({ name: 'parley_token_prompt_tokens_total', help: 'Prompt tokens the upstream billed, per token.', labelNames: ['token'], registers }),
    completionTokens: new Counter({ name: 'parley_token_completion_tokens_total', help: 'Completion tokens the upstream billed, per token.', labelNames: ['token'], registers }),
    transcribedSeconds: new Counter({ name: 'parley_token_transcribed_seconds_total', help: 'Seconds of audio transcribed, per token.', labelNames: ['token'], registers }),
    spokenChars: new Counter({ name: 'parley_token_spoken_chars_total', help: 'Characters sent to text-to-speech, per token.', labelNames: ['token'], registers }),
  };

  // Tokens are configured, so their labels are few; the cap only guards against a bug or a huge list.
  const maxTokenLabels = options.maxTokenLabels ?? 100;
  const tokenLabels = new Set<string>();
  const tokenLabel = (tokenId: string): string => {
    const label = options.tokenLabel(tokenId);
    if (tokenLabels.has(label)) return label;
    if (tokenLabels.size >= maxTokenLabels) return 'other';
    tokenLabels.add(label);
    return label;
  };
  const add = (counter: Counter<'token'>, token: string, value: number | undefined) => {
    if (value !== undefined && value > 0) counter.inc({ token }, value);
  };

  const turnEnded = (record: TurnLogRecord) => {
    turns.inc({ kind: record.kind, transport: record.transport, outcome: record.outcome });
    turnSeconds.observe({ kind: record.kind, outcome: record.outcome }, seconds(record.totalMs));
    if (record.firstTokenMs !== undefined) firstToken.observe({ kind: record.kind }, seconds(record.firstTokenMs));
    if (record.firstAudioMs !== undefined) firstAudio.observe({ kind: record.kind }, seconds(record.firstAudioMs));
    if (record.sttMs !== undefined) stt.observe(seconds(record.sttMs));
    if (record.sttSpeculations !== undefined) {
      const used = record.sttSpeculationUsed === true ? 1 : 0;
      if (used > 0) speculations.inc({ outcome: 'used' }, used);
      if (record.sttSpeculations > used) speculations.inc({ outcome: 'unused' }, record.sttSpeculations - used);
    }
    if (record.error !== undefined && record.outcome === 'error') errors.inc({ code: record.error, stage: record.errorStage ?? 'relay' });
    // A turn that succeeded may still have lost sentences to TTS errors: each one counts.
    if (record.outcome === 'ok' && record.error !== undefined && (record.speechErrors ?? 0) > 0)
      errors.inc({ code: record.error, stage: 'tts' }, record.speechErrors);

    const token = tokenLabel(record.tokenId);
    usage.turns.inc({ token });
    add(usage.promptTokens, token, record.promptTokens);
    add(usage.completionTokens, token, record.completionTokens);
    add(usage.transcribedSeconds, token, record.transcribedMs === undefined ? undefined : seconds(record.transcribedMs));
    add(usage.spokenChars, token, record.spokenChars);
  };

  return {
    observer: {
      turnEnded,
      turnRefused: (_tokenId: string, code: ErrorCode) => errors.inc({ code, stage: 'admission' }),
      speculationsWasted(tokenId: string, wasted: { requests: number; transcribedMs: number }) {
        if (wasted.requests > 0) speculations.inc({ outcome: 'unused' }, wasted.requests);
        add(usage.transcribedSeconds, tokenLabel(tokenId), seconds(wasted.transcribedMs));
      },
    },
    // In a PARLEY_WORKERS worker, one scrape reports the whole cluster (cluster-metrics.ts).
    render: clusterMetricsRenderer(registry) ?? (() => registry.metrics()),
    contentType: registry.contentType,
  };
}
