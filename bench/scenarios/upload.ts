// Scenario 4: voice upload. 100 speakers each stream a 60 s webm/opus recording in 250 ms slices
// (240 chunks), time compressed 10x (a slice every 25 ms, 6 s per recording), then send AudioEnd.
// Start times are spread over one recording, so up to 100 uploads overlap and ends are staggered.
// Measured: relay CPU over the upload, its peak RSS, and the time from AudioEnd leaving the client
// to the STT request arriving at the fake (same process and clock). Each speaker's recording is
// padded by its index in bytes, so the fake's request (file size) says whose it is.
import { startFakeOpenAI, type TranscriptionRequestBody } from '../../tests/fakes/fake-openai.ts';
import { openMany, openSession } from '../lib/bench-client.ts';
import { sleep, toWall, wallNow } from '../lib/clock.ts';
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

export const upload: Scenario = {
  name: 'upload',
  title: `${SPEAKERS} speakers × ${SECONDS} s of opus`,
  async run(log) {
    const recording = opusRecording(SECONDS);
    const chunks = slices(recording, (SECONDS * 1000) / SLICE_MS);
    const fake = await startFakeOpenAI({ latency: REALISTIC });
    const relay = await startParley(fake);
    try {
      const clients = await openMany(SPEAKERS, 50, (i) => openSession(relay, `upload-${i}`));
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
            done.push(
              new Promise<void>((resolve) => {
                client.onFrame = (frame) => {
                  if (frame.type === 'textEnd' || frame.type === 'error') resolve();
                };
              }),
            );
            audioEndAt.set(recording.byteLength + speaker, wallNow());
            client.send({ type: 'audioEnd', turnId: 1 });
          }),
        );
        await fake.waitForRequest(() => fake.requests.filter((r) => r.endpoint === 'transcription').length >= SPEAKERS, 30_000);
      });
      const peak = peakRssBytes(relay.pid);
      await Promise.all(done);
      const delays: number[] = [];
      for (const request of fake.requests) {
        if (request.endpoint !== 'transcription') continue;
        const sent = audioEndAt.get((request.body as TranscriptionRequestBody | undefined)?.bytes ?? -1);
        if (sent !== undefined) delays.push(toWall(request.startedAt) - sent);
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
      await fake.close();
    }
  },
};
