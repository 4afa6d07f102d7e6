// The obvious way to build this relay, as in the original tutorial: ws + the openai SDK, legacy
// framing, no auth, no limits, unbounded history, every chunk forwarded as it arrives. With
// NAIVE_SPEECH=1 it speaks the way the original v1 did: the whole answer first, then one TTS call,
// sent as a bench-only frame 0x14 carrying the raw audio. It exists only as a benchmark baseline.
import OpenAI, { toFile } from 'openai';
import type { ChatCompletionMessageParam } from 'openai/resources/chat/completions';
import { WebSocketServer, type RawData } from 'ws';

const openai = new OpenAI({ apiKey: process.env.OPENAI_API_KEY ?? '', baseURL: process.env.OPENAI_BASE_URL, maxRetries: 0 });
const speech = process.env.NAIVE_SPEECH === '1';
const histories = new Map<string, ChatCompletionMessageParam[]>();
const frame = (type: number, payload: Uint8Array = new Uint8Array()) => Buffer.concat([Buffer.from([type]), payload]);
const bytesOf = (data: RawData) => (Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data as Buffer));

const wss = new WebSocketServer({ host: '127.0.0.1', port: Number(process.env.NAIVE_PORT ?? 0) });
wss.on('listening', () => {
  const address = wss.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  process.stdout.write(`${JSON.stringify({ msg: 'listening', wsUrl: `ws://127.0.0.1:${port}` })}\n`);
});

wss.on('connection', (ws) => {
  let id = 'anonymous';
  let audio: Buffer[] = [];
  ws.on('message', async (data) => {
    const bytes = bytesOf(data);
    const type = bytes[0];
    const payload = bytes.subarray(1);
    try {
      if (type === 0x01) {
        id = payload.toString('utf8');
        ws.send(frame(0x01));
        return;
      }
      if (type === 0x03) {
        audio.push(Buffer.from(payload));
        return;
      }
      let text = payload.toString('utf8');
      if (type === 0x04) {
        const file = await toFile(Buffer.concat(audio), 'recording.webm', { type: 'audio/webm' });
        audio = [];
        text = (await openai.audio.transcriptions.create({ file, model: 'gpt-4o-mini-transcribe' })).text;
      }
      const history = histories.get(id) ?? [{ role: 'assistant', content: 'Hello. How can I help you today?' }];
      histories.set(id, history);
      history.push({ role: 'user', content: text });
      const stream = await openai.chat.completions.create({ model: 'gpt-4o-mini', messages: history, stream: true });
      let answer = '';
      for await (const chunk of stream) {
        const delta = chunk.choices[0]?.delta.content;
        if (!delta) continue;
        answer += delta;
        ws.send(frame(0x11, Buffer.from(delta, 'utf8')));
      }
      history.push({ role: 'assistant', content: answer });
      ws.send(frame(0x12));
      if (speech) {
        const response = await openai.audio.speech.create({ model: 'gpt-4o-mini-tts', voice: 'alloy', input: answer });
        ws.send(frame(0x14, new Uint8Array(await response.arrayBuffer())));
      }
    } catch (error) {
      ws.send(frame(0x99, Buffer.from(error instanceof Error ? error.message : String(error), 'utf8')));
    }
  });
});
