// The turn state machine on real audio through the real Silero v5 model (onnxruntime-web's wasm
// backend runs in Node): espeak-ng speech, silence, noise and a click, made at test time.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import * as ort from 'onnxruntime-web/wasm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createConversationMachine, type ConversationEffect } from '../../../lib/voice/conversation-machine.ts';
import { createSampleVad, VAD_SAMPLE_RATE, type SileroModel } from '../../../lib/voice/sample-vad.ts';
import { speakSamples } from '../../helpers/spoken-audio.ts';

const require = createRequire(import.meta.url);
let model: SileroModel;

/** espeak-ng → 16 kHz mono float samples. */
const speak = (text: string): Float32Array => speakSamples(text, VAD_SAMPLE_RATE, 160);
const silence = (ms: number) => new Float32Array((VAD_SAMPLE_RATE * ms) / 1000);
function noise(ms: number, db: number, seed = 1): Float32Array {
  const out = silence(ms);
  const amplitude = 10 ** (db / 20) * Math.sqrt(3);
  let s = seed;
  for (let i = 0; i < out.length; i++) out[i] = ((s = (s * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff * 2 - 1) * amplitude;
  return out;
}
function concat(...parts: Float32Array[]): Float32Array {
  const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

/** Runs audio through Silero and the machine; returns the effects (no phase changes), answering each turn at once. */
async function turnsOf(audio: Float32Array, tuning: Parameters<typeof createConversationMachine>[0] = {}): Promise<ConversationEffect['type'][]> {
  model.reset_state();
  const vad = createSampleVad(model);
  const machine = createConversationMachine(tuning);
  machine.handle({ type: 'start', fullDuplex: true });
  const effects: ConversationEffect['type'][] = [];
  vad.onFrame((frame) => {
    for (const effect of machine.handle({ type: 'frame', frame })) {
      if (effect.type === 'phase') continue;
      effects.push(effect.type);
      // No answer is played in this test: the turn is answered instantly and listening resumes.
      if (effect.type === 'endTurn') machine.handle({ type: 'answerDone' });
    }
  });
  await vad.push(audio);
  return effects;
}

beforeAll(async () => {
  ort.env.wasm.numThreads = 1;
  const { Silero } = require('@ricky0123/vad-web/dist/models/silero.js') as { Silero: { new: (o: typeof ort, f: () => Promise<ArrayBuffer>) => Promise<SileroModel> } };
  const onnx = readFileSync(require.resolve('@ricky0123/vad-web/dist/silero_vad_v5.onnx'));
  model = await Silero.new(ort, async () => onnx.buffer.slice(onnx.byteOffset, onnx.byteOffset + onnx.byteLength));
}, 60_000);
afterAll(async () => {
  await model?.release();
});

describe('turns on recorded audio through Silero VAD', () => {
  it('two spoken questions separated by silence are exactly two turns', async () => {
    const audio = concat(silence(800), speak('What is the capital of France?'), silence(1500), speak('And how many people live there?'), silence(1500));
    const effects = await turnsOf(audio);
    expect(effects.filter((e) => e === 'endTurn')).toHaveLength(2);
    expect(effects.filter((e) => e === 'commitTurn')).toHaveLength(2);
  }, 60_000);

  it('a pause shorter than the end-of-turn silence stays inside one turn; the shortest setting splits it', async () => {
    const audio = concat(silence(500), speak('Tell me about Paris,'), silence(500), speak('the capital of France.'), silence(1500));
    expect((await turnsOf(audio)).filter((e) => e === 'endTurn')).toHaveLength(1);
    expect((await turnsOf(audio, { silenceMs: 300 })).filter((e) => e === 'endTurn')).toHaveLength(2);
  }, 60_000);

  it('ends the turn within the silence and two frames of the sound stopping', async () => {
    const question = speak('What is the capital of France?');
    let last = 0;
    for (let i = 0; i < question.length; i++) if (Math.abs(question[i] ?? 0) > 10 ** (-50 / 20)) last = i;
    const leadMs = 640;
    const soundEndMs = leadMs + (last / VAD_SAMPLE_RATE) * 1000;
    model.reset_state();
    const vad = createSampleVad(model);
    const machine = createConversationMachine();
    machine.handle({ type: 'start', fullDuplex: true });
    let t = 0;
    let endAt: number | undefined;
    vad.onFrame((frame) => {
      t += frame.durationMs;
      if (machine.handle({ type: 'frame', frame }).some((e) => e.type === 'endTurn')) endAt ??= t;
    });
    await vad.push(concat(silence(leadMs), question, silence(1500)));
    expect(endAt).toBeDefined();
    expect((endAt ?? 0) - soundEndMs).toBeGreaterThanOrEqual(800);
    expect((endAt ?? 0) - soundEndMs).toBeLessThanOrEqual(800 + 64);
  }, 60_000);

  it('while an answer plays, speech over a quiet residual ducks it on its first frame; steady noise does not', async () => {
    const duckedAt = async (audio: Float32Array): Promise<number | undefined> => {
      model.reset_state();
      const vad = createSampleVad(model);
      const machine = createConversationMachine();
      machine.handle({ type: 'start', fullDuplex: true });
      // Put the machine in "speaking" without a user turn: a question at once answered.
      let t = 0;
      let at: number | undefined;
      vad.onFrame((frame) => {
        t += frame.durationMs;
        if (machine.handle({ type: 'frame', frame }).some((e) => e.type === 'duck')) at ??= t;
      });
      machine.handle({ type: 'frame', frame: { probability: 0.9, levelDb: -30, durationMs: 300 } });
      machine.handle({ type: 'frame', frame: { probability: 0.9, levelDb: -30, durationMs: 32 } });
      machine.handle({ type: 'frame', frame: { probability: 0.05, levelDb: -70, durationMs: 900 } });
      machine.handle({ type: 'answerPlaying' });
      expect(machine.phase).toBe('speaking');
      await vad.push(audio);
      return at;
    };
    const residual = noise(640, -68, 5);
    const at = await duckedAt(concat(residual, speak('Wait, stop there please.')));
    expect(at).toBeDefined();
    expect(at ?? 0).toBeLessThanOrEqual(640 + 64);
    expect(await duckedAt(concat(residual, noise(3000, -45, 9)))).toBeUndefined();
  }, 60_000);

  it('steady noise, a click and silence make no turn', async () => {
    const click = concat(noise(40, -12, 7), silence(10));
    const audio = concat(noise(3000, -45), silence(500), click, silence(1500), noise(2000, -35, 3));
    const effects = await turnsOf(audio);
    expect(effects.filter((e) => e === 'commitTurn')).toEqual([]);
  }, 60_000);
});
