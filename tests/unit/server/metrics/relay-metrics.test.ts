// The TurnObserver → Prometheus mapping: each field of a turn's record lands in the right series.
import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../../../protocol/index.ts';
import type { TurnLogRecord } from '../../../../server/log.ts';
import { createRelayMetrics } from '../../../../server/metrics/relay-metrics.ts';
import { sampleValue } from '../../../helpers/prometheus-text.ts';

const base: TurnLogRecord = { sessionHash: 'h', tokenId: 'aaaaaaaaaaaaaaaa', turnId: 1, kind: 'text', transport: 'ws', outcome: 'ok', totalMs: 1200, chunks: 3 };

function setup(maxTokenLabels?: number) {
  let connections = 0;
  const metrics = createRelayMetrics({
    connections: () => connections,
    tokenLabel: (id) => (id === base.tokenId ? 'alice' : id),
    processMetrics: false,
    ...(maxTokenLabels === undefined ? {} : { maxTokenLabels }),
  });
  return { metrics, setConnections: (n: number) => (connections = n) };
}

describe('relay metrics', () => {
  it('turns a voice turn into latency histograms, a turn count and usage per token', async () => {
    const { metrics } = setup();
    metrics.observer.turnEnded({
      ...base,
      kind: 'voice',
      sttMs: 300,
      firstTokenMs: 800,
      firstAudioMs: 1100,
      totalMs: 2500,
      promptTokens: 42,
      completionTokens: 17,
      transcribedMs: 1861,
      spokenChars: 120,
    });
    const text = await metrics.render();
    expect(sampleValue(text, 'parley_turns_total', { kind: 'voice', transport: 'ws', outcome: 'ok' })).toBe(1);
    expect(sampleValue(text, 'parley_stt_seconds_sum')).toBeCloseTo(0.3);
    expect(sampleValue(text, 'parley_stt_seconds_bucket', { le: '0.25' })).toBe(0);
    expect(sampleValue(text, 'parley_stt_seconds_bucket', { le: '0.5' })).toBe(1);
    expect(sampleValue(text, 'parley_first_token_seconds_sum', { kind: 'voice' })).toBeCloseTo(0.8);
    expect(sampleValue(text, 'parley_first_audio_seconds_sum', { kind: 'voice' })).toBeCloseTo(1.1);
    expect(sampleValue(text, 'parley_turn_seconds_sum', { kind: 'voice', outcome: 'ok' })).toBeCloseTo(2.5);
    expect(sampleValue(text, 'parley_token_turns_total', { token: 'alice' })).toBe(1);
    expect(sampleValue(text, 'parley_token_prompt_tokens_total', { token: 'alice' })).toBe(42);
    expect(sampleValue(text, 'parley_token_completion_tokens_total', { token: 'alice' })).toBe(17);
    expect(sampleValue(text, 'parley_token_transcribed_seconds_total', { token: 'alice' })).toBeCloseTo(1.861);
    expect(sampleValue(text, 'parley_token_spoken_chars_total', { token: 'alice' })).toBe(120);
  });

  it('counts speculative transcriptions as used or not', async () => {
    const { metrics } = setup();
    metrics.observer.turnEnded({ ...base, kind: 'voice', sttSpeculations: 2, sttSpeculationUsed: true });
    metrics.observer.turnEnded({ ...base, kind: 'voice', sttSpeculations: 1 });
    metrics.observer.turnEnded({ ...base, kind: 'voice' });
    // A recording dropped before AudioEnd: its speculations were all unused, and their audio is usage.
    metrics.observer.speculationsWasted(base.tokenId, { requests: 2, transcribedMs: 700 });
    const text = await metrics.render();
    expect(sampleValue(text, 'parley_stt_speculations_total', { outcome: 'used' })).toBe(1);
    expect(sampleValue(text, 'parley_stt_speculations_total', { outcome: 'unused' })).toBe(4);
    expect(sampleValue(text, 'parley_token_transcribed_seconds_total', { token: 'alice' })).toBeCloseTo(0.7);
  });

  it('leaves latencies a turn never reached out of the histograms', async () => {
    const { metrics } = setup();
    metrics.observer.turnEnded({ ...base, outcome: 'error', error: ErrorCode.UpstreamUnavailable, errorStage: 'chat', totalMs: 50 });
    const text = await metrics.render();
    expect(sampleValue(text, 'parley_first_token_seconds_count', { kind: 'text' })).toBeUndefined();
    expect(sampleValue(text, 'parley_stt_seconds_count')).toBe(0);
    expect(sampleValue(text, 'parley_turn_seconds_count', { kind: 'text', outcome: 'error' })).toBe(1);
  });

  it('counts errors by wire code and stage, including refusals and lost sentences', async () => {
    const { metrics } = setup();
    metrics.observer.turnEnded({ ...base, outcome: 'error', error: ErrorCode.UpstreamTimeout, errorStage: 'stt' });
    metrics.observer.turnEnded({ ...base, outcome: 'error', error: ErrorCode.UpstreamTimeout, errorStage: 'stt' });
    metrics.observer.turnEnded({ ...base, outcome: 'ok', error: ErrorCode.UpstreamUnavailable, errorStage: 'tts', speechErrors: 3 });
    metrics.observer.turnEnded({ ...base, outcome: 'cancelled', error: 'cancel' });
    metrics.observer.turnRefused(base.tokenId, ErrorCode.RateLimited);
    const text = await metrics.render();
    expect(sampleValue(text, 'parley_errors_total', { code: ErrorCode.UpstreamTimeout, stage: 'stt' })).toBe(2);
    expect(sampleValue(text, 'parley_errors_total', { code: ErrorCode.UpstreamUnavailable, stage: 'tts' })).toBe(3);
    expect(sampleValue(text, 'parley_errors_total', { code: ErrorCode.RateLimited, stage: 'admission' })).toBe(1);
    // A cancelled turn is an outcome, not an error.
    expect(text).not.toContain('code="cancel"');
    expect(sampleValue(text, 'parley_turns_total', { kind: 'text', transport: 'ws', outcome: 'cancelled' })).toBe(1);
  });

  it('reads the connection gauge at scrape time', async () => {
    const { metrics, setConnections } = setup();
    setConnections(7);
    expect(sampleValue(await metrics.render(), 'parley_connections')).toBe(7);
    setConnections(2);
    expect(sampleValue(await metrics.render(), 'parley_connections')).toBe(2);
  });

  it('bounds the token label set', async () => {
    const { metrics } = setup(2);
    for (const id of ['aaaaaaaaaaaaaaaa', 'bbbbbbbbbbbbbbbb', 'cccccccccccccccc', 'dddddddddddddddd', 'bbbbbbbbbbbbbbbb'])
      metrics.observer.turnEnded({ ...base, tokenId: id });
    const text = await metrics.render();
    expect(sampleValue(text, 'parley_token_turns_total', { token: 'alice' })).toBe(1);
    expect(sampleValue(text, 'parley_token_turns_total', { token: 'bbbbbbbbbbbbbbbb' })).toBe(2);
    expect(sampleValue(text, 'parley_token_turns_total', { token: 'other' })).toBe(2);
    expect(sampleValue(text, 'parley_token_turns_total', { token: 'cccccccccccccccc' })).toBeUndefined();
  });

  it('keeps two instances apart (its own registry, no global state)', async () => {
    const one = setup();
    const two = setup();
    one.metrics.observer.turnEnded(base);
    expect(sampleValue(await one.metrics.render(), 'parley_token_turns_total', { token: 'alice' })).toBe(1);
    expect(sampleValue(await two.metrics.render(), 'parley_token_turns_total', { token: 'alice' })).toBeUndefined();
  });
});
