// Generates hostile client frames: random bytes, valid headers with bad payloads, truncated and
// bit-flipped valid frames, unknown types, text frames and (rarely) frames over the size limit.
// Valid frames are mixed in so the relay's deeper paths (sessions, turns, settings) get hit too.
import { ClientFrame, encodeClientMessage, type ClientMessage, type Dialect } from '../../../protocol/index.ts';
import type { Rng } from './rng.ts';

export type FuzzKind = 'random' | 'badPayload' | 'truncated' | 'mutated' | 'unknownType' | 'text' | 'valid' | 'oversized';

export interface FuzzFrame {
  kind: FuzzKind;
  data: Uint8Array | string;
}

const KNOWN_TYPES = Object.values(ClientFrame);
const KNOWN: ReadonlySet<number> = new Set(KNOWN_TYPES);

function validMessage(rng: Rng, dialect: Dialect): ClientMessage {
  const turnId = dialect === 'legacy' ? 0 : 1 + rng.int(6);
  const text = rng.pick(['hi', 'What is the capital of France?', '', ' ', 'é😀\u0000', 'x'.repeat(rng.int(300))]);
  const choices: ClientMessage[] = [
    { type: 'setClientId', clientId: rng.pick(['fuzz', `fuzz-${rng.int(50)}`, 'a'.repeat(129), '', 'tab\tid']) },
    { type: 'userText', turnId, text },
    { type: 'audioChunk', turnId, data: rng.bytes(rng.int(200)) },
    { type: 'audioEnd', turnId },
    { type: 'cancel', turnId: 1 + rng.int(6) },
    { type: 'ping', nonce: rng.int(2 ** 32) },
    {
      type: 'settings',
      settings: rng.pick([{ speech: false }, { model: 'gpt-4o-mini' }, { language: 'en' }, { voice: 'alloy' }, { systemPrompt: 'Be brief.' }]),
    },
    { type: 'resume', clientId: `fuzz-${rng.int(50)}`, messages: [{ role: 'user', content: 'hello' }, { role: 'assistant', content: 'hi' }] },
  ];
  return rng.pick(choices);
}

/** A payload that parses as the wrong thing: JSON of the wrong shape, bad UTF-8, wrong lengths. */
function badPayload(rng: Rng): Uint8Array {
  const encoder = new TextEncoder();
  return rng.pick([
    () => encoder.encode(JSON.stringify(rng.pick([null, [], 42, { model: 7 }, { speech: 'yes' }, { unknown: 1 }, { clientId: 1, messages: {} }]))),
    () => new Uint8Array([0xff, 0xfe, 0xc0, 0x80]),
    () => encoder.encode('{"clientId":"x","messages":[' + '{"role":"system","content":"x"},'.repeat(rng.int(5)) + '1]}'),
    () => rng.bytes(rng.int(8)),
    () => new Uint8Array([0, 0, 0, 0]),
    () => new Uint8Array([0, 0, 0, 1, ...encoder.encode('{')]),
  ])();
}

export function fuzzFrame(rng: Rng, dialect: Dialect, maxFrameBytes: number): FuzzFrame {
  const roll = rng.next();
  if (roll < 0.2) return { kind: 'random', data: rng.bytes(rng.int(96)) };
  if (roll < 0.4) {
    const payload = badPayload(rng);
    const out = new Uint8Array(payload.byteLength + 1);
    out[0] = rng.pick(KNOWN_TYPES);
    out.set(payload, 1);
    return { kind: 'badPayload', data: out };
  }
  if (roll < 0.55) {
    const whole = encodeClientMessage(validMessage(rng, dialect), dialect);
    return { kind: 'truncated', data: whole.subarray(0, rng.int(Math.max(1, whole.byteLength))) };
  }
  if (roll < 0.7) {
    const frame = encodeClientMessage(validMessage(rng, dialect), dialect).slice();
    for (let flips = 1 + rng.int(3); flips > 0 && frame.byteLength > 0; flips--) {
      const at = rng.int(frame.byteLength);
      frame[at] = (frame[at] ?? 0) ^ (1 << rng.int(8));
    }
    return { kind: 'mutated', data: frame };
  }
  if (roll < 0.8) {
    let type = rng.int(256);
    while (KNOWN.has(type)) type = rng.int(256);
    return { kind: 'unknownType', data: new Uint8Array([type, ...rng.bytes(rng.int(32))]) };
  }
  if (roll < 0.85) return { kind: 'text', data: rng.pick(['hello', '{"type":"userText"}', '\u0002hi', '']) };
  if (roll < 0.9995) return { kind: 'valid', data: encodeClientMessage(validMessage(rng, dialect), dialect) };
  const big = new Uint8Array(maxFrameBytes + 1 + rng.int(1024));
  big[0] = ClientFrame.UserAudioChunk;
  return { kind: 'oversized', data: big };
}
