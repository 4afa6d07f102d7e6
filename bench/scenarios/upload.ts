// Scenario 4: voice upload. 100 speakers each stream a 60 s webm/opus recording in 250 ms slices
// (240 chunks), time compressed 10x (a slice every 25 ms, 6 s per recording), then send AudioEnd.
// Start times are spread over one recording, so up to 100 uploads overlap and ends are staggered.
// Measured: relay CPU over the upload, its peak RSS, and the time from AudioEnd leaving the client
// to the STT request arriving at the fake (one wall clock, clock.ts). Each speaker's recording is
// padded by its index in bytes, so the fake's request (file size) says whose it is.
// The fake runs in a process of its own (fake-child.ts): in this one, its stamp of a request waited
// for the 100 speakers' timers and sends and for this process's GC (issue 10, docs/reliability.md).
// Every speaker first sends one short unmeasured recording, as scenario 1 warms its relay: the first
// STT requests of a fresh relay load and compile Node's HTTP client and open upstream connections.
import { openMany, openSession, type BenchClient } from '../lib/bench-client.ts';
import { sleep, wallNow } from '../lib/clock.ts';
import { startFakeProcess } from '../lib/fake-process.ts';
import { REALISTIC } from '../lib/latencies.ts';
import { opusRecording, slices } from '../lib/opus-fixture.ts';
import { cpuShare, peakRssBytes, rssBytes } from '../lib/proc.ts';
import { startParley } from '../lib/relays.ts';
import { fmtMiB, fmtMs, fmtPct, type Row } from '../lib/report.ts';
import type { Scenario } from '../lib/scenario.ts';
import { summarize } from '../lib/stats.ts';

const SPEAKERS = 100;
const SECONDS = 60;
const SLICE_MS = 250;
const TIME_COMPRESSION = 10;
/** The warm-up recording: its first slices (the webm header and a second of audio). */
const WARM_UP_SLICES = 4;
const WARM_UP_TURN = 100;

/** Resolves when the client's turn ended (TextEnd or an error frame). */
function turnEnded(client: BenchClient, turnId: number): Promise<void> {
  return new Promise<void>((resolve) => {
    client.onFrame = (frame) => {
      if ((frame.type === 'textEnd' || frame.type === 'error') && frame.turnId === turnId) resolve();
    };
  });
}

export const upload: Scenario = {
  name: 'upload',
  title: `${SPEAKERS} speakers × ${SECONDS} s of opus`,
  async run(log) {
    const recording = opusRecording(SECONDS);
    const chunks = slices(recording, (SECONDS * 1000) / SLICE_MS);
    const fake = await startFakeProcess(REALISTIC);
    const relay = await startParley(fake);
    try {
      const clients = await openMany(SPEAKERS, 50, (i) => openSession(relay, `upload-${i}`));
      await Promise.all(
        clients.map((client) => {
          const ended = turnEnded(client, WARM_UP_TURN);
          for (const data of chunks.slice(0, WARM_UP_SLICES)) client.send({ type: 'audioChunk', turnId: WARM_UP_TURN, data });
          client.send({ type: 'audioEnd', turnId: WARM_UP_TURN });
          return ended;
        }),
      );
      const rssBefore = rssBytes(relay.pid);
      const audioEndAt = new Map<number, number>();
      const done: Array<Promise<void>> = [];
      const cpu = await cpuShare(relay.pid, async () => {
        await Promise.all(
          clients.map(async (client, speaker) => {
            // Speakers start spread over one recording's length, as people do not start or stop in
            // lockstep: at any moment most of them are mid-recording, and AudioEnds arrive ~17 a second.
            await sleep((speaker / SPEAKERS) * ((SECONDS * 1000) / TIME_COMPRESSION));
            for (const [index, data] of chunks.entries()) {
              const padded = index === chunks.length - 1 ? new Uint8Array([...data, ...new Uint8Array(speaker)]) : data;
              client.send({ type: 'audioChunk', turnId: 1, data: padded });
              await sleep(SLICE_MS / TIME_COMPRESSION);
            }
            done.push(turnEnded(client, 1));
            audioEndAt.set(recording.byteLength + speaker, wallNow());
            client.send({ type: 'audioEnd', turnId: 1 });
          }),
        );
        // Asked only after the last AudioEnd left, so the questions do not compete with the uploads.
        const deadline = Date.now() + 30_000;
        while ((await fake.transcriptions()).filter((r) => audioEndAt.has(r.bytes)).length < SPEAKERS) {
          if (Date.now() > deadline) throw new Error('upload: not every STT request reached the fake within 30 s');
          await sleep(10);
        }
      });
      const peak = peakRssBytes(relay.pid);
      await Promise.all(done);
      const delays: number[] = [];
      for (const request of await fake.transcriptions()) {
        const sent = audioEndAt.get(request.bytes);
        if (sent !== undefined) delays.push(request.startedAt - sent);
      }
      const stt = summarize(delays);
      for (const client of clients) client.close();
      log(`  AudioEnd → STT request: p50 ${stt.p50.toFixed(1)} p99 ${stt.p99.toFixed(1)} max ${stt.max.toFixed(1)} ms over ${stt.count}; CPU ${fmtPct(cpu.share)}; RSS ${fmtMiB(rssBefore)} → peak ${fmtMiB(peak)}`);
      const scenario = `4 upload ${SPEAKERS}×${SECONDS} s`;
      return [
        { scenario, metric: 'AudioEnd → STT request p50', parley: fmtMs(stt.p50), data: { ...stt, recordingBytes: recording.byteLength, chunks: chunks.length } },
        { scenario, metric: 'AudioEnd → STT request p99 / max', parley: `${fmtMs(stt.p99)} / ${fmtMs(stt.max)}`, target: '≤ 20 ms', pass: stt.max <= 20 && stt.count === SPEAKERS },
        { scenario, metric: `relay CPU during upload (time ×${TIME_COMPRESSION})`, parley: fmtPct(cpu.share), data: cpu },
        { scenario, metric: 'relay peak RSS (before upload)', parley: `${fmtMiB(peak)} (${fmtMiB(rssBefore)})` },
      ] satisfies Row[];
    } finally {
      await relay.stop();
      await fake.stop();
    }
  },
};
