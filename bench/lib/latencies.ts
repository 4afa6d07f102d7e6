// The fixed, realistic upstream latencies every timing scenario uses (issue 6).
import type { FakeLatency } from '../../tests/fakes/fake-openai.ts';

// STT answers whole after sttMs here; bench/scenarios/stt-stream.ts models decoding time (sttPerTokenMs).
export const REALISTIC: FakeLatency = { firstTokenMs: 300, perTokenMs: 30, sttMs: 300, sttPerTokenMs: 0, ttsMs: 250 };
