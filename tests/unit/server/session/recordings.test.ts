import { afterEach, describe, expect, it, vi } from 'vitest';
import { ErrorCode, type ErrorInfo } from '../../../../protocol/index.ts';
import type { AudioBudget } from '../../../../server/session/audio-budget.ts';
import { createRecordings } from '../../../../server/session/recordings.ts';
import { TurnErrors } from '../../../../server/session/turn-errors.ts';
import { ampleAudioBudget, testRelayContext } from '../../../helpers/relay-context.ts';

const IDLE_MS = 1000;

/** A budget whose reads wait until `release()`, to close the socket in between. */
function slowBudget(left = 1_000_000) {
  let release = () => undefined as void;
  const budget: AudioBudget = {
    remaining: () => new Promise<number>((resolve) => (release = () => resolve(left))),
    spend: () => Promise.resolve(),
    renewsInMs: () => 1000,
  };
  return { budget, release: () => release() };
}

function setup(audioBudget: AudioBudget = ampleAudioBudget) {
  const ctx = testRelayContext({ audioBudget, limits: { maxAudioBytes: 10, recordingIdleMs: IDLE_MS } });
  const idle: Array<[number, ErrorInfo]> = [];
  const recordings = createRecordings(ctx, 'tok', (turnId, error) => idle.push([turnId, error]));
  return { recordings, idle };
}

const bytes = (...values: number[]) => new Uint8Array(values);
const allowed = () => undefined;

describe('recordings', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('collects chunks in order and hands AudioEnd the whole clip once', async () => {
    const { recordings } = setup();
    expect(await recordings.chunk(1, bytes(1, 2), allowed)).toBeUndefined();
    expect(await recordings.chunk(1, bytes(3), allowed)).toBeUndefined();
    expect(recordings.size).toBe(1);
    const ended = recordings.end(1, undefined);
    expect(ended !== 'refused' && ended?.audio).toEqual(bytes(1, 2, 3));
    expect(recordings.end(1, undefined)).toBeUndefined();
    expect(recordings.size).toBe(0);
  });

  it('answers a refused recording once, drops its later chunks silently, and frees the id at AudioEnd', async () => {
    const { recordings } = setup();
    const refusal = TurnErrors.tooManyTurns(4);
    expect(await recordings.chunk(2, bytes(1), () => refusal)).toBe(refusal);
    expect(await recordings.chunk(2, bytes(2), allowed)).toBeUndefined();
    expect(recordings.has(2)).toBe(false);
    expect(recordings.end(2, undefined)).toBe('refused');
    expect(await recordings.chunk(2, bytes(3), allowed)).toBeUndefined();
    expect(recordings.has(2)).toBe(true);
  });

  it('refuses a recording past the byte cap and forgets what it held', async () => {
    const { recordings } = setup();
    await recordings.chunk(3, new Uint8Array(8), allowed);
    expect((await recordings.chunk(3, new Uint8Array(3), allowed))?.code).toBe(ErrorCode.AudioTooLarge);
    expect(recordings.has(3)).toBe(false);
    expect(recordings.end(3, undefined)).toBe('refused');
  });

  it('discards a recording no chunk reached for the idle time, with one RECORDING_IDLE', async () => {
    vi.useFakeTimers();
    const { recordings, idle } = setup();
    await recordings.chunk(4, bytes(1), allowed);
    vi.advanceTimersByTime(IDLE_MS - 10);
    await recordings.chunk(4, bytes(2), allowed);
    vi.advanceTimersByTime(IDLE_MS - 10);
    expect(idle).toEqual([]);
    vi.advanceTimersByTime(20);
    expect(idle.map(([turnId, error]) => [turnId, error.code])).toEqual([[4, ErrorCode.RecordingIdle]]);
    expect(recordings.end(4, undefined)).toBe('refused');
  });

  it('starts nothing for a chunk whose budget read ends after the socket closed', async () => {
    vi.useFakeTimers();
    const slow = slowBudget();
    const { recordings, idle } = setup(slow.budget);
    const pending = recordings.chunk(5, bytes(1), allowed);
    recordings.dispose();
    slow.release();
    expect(await pending).toBeUndefined();
    expect(recordings.size).toBe(0);
    vi.advanceTimersByTime(IDLE_MS * 2);
    expect(idle).toEqual([]);
  });

  it('cancels a recording or a refused id, and nothing else', async () => {
    const { recordings } = setup();
    await recordings.chunk(6, bytes(1), allowed);
    await recordings.chunk(7, bytes(1), () => TurnErrors.tooManyTurns(4));
    expect(recordings.cancel(6)).toBe(true);
    expect(recordings.cancel(7)).toBe(true);
    expect(recordings.cancel(8)).toBe(false);
    expect(recordings.size).toBe(0);
  });
});
