// The fixed, realistic upstream latencies every timing scenario uses (issue 6).
import type { FakeLatency } from '../../tests/fakes/fake-openai.ts';

export const REALISTIC: FakeLatency = { firstTokenMs: 300, perTokenMs: 30, sttMs: 300, ttsMs: 250 };
