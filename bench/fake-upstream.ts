// A fixed, fast fake upstream for the benchmark: plain node:http answering every chat completion with one canned
// OpenAI response, so what the benchmark measures is the proxy in front of it. A request with `"stream":true` is
// answered as a stream in the shape of its path (bench/stream-answer.ts), paced as POST /bench/stream last set.
import { createServer } from 'node:http';
import { listenLoopback, type BenchServer } from './listen.ts';
import { DEFAULT_PACE, streamAnswer, type StreamPace } from './stream-answer.ts';

const CANNED = JSON.stringify({
  id: 'chatcmpl-bench',
  object: 'chat.completion',
  created: 1_700_000_000,
  model: 'bench-model',
  choices: [
    { index: 0, message: { role: 'assistant', content: 'Hello from the fake upstream.' }, finish_reason: 'stop' },
  ],
  usage: { prompt_tokens: 12, completion_tokens: 7, total_tokens: 19 },
});

const MODELS = JSON.stringify({
  object: 'list',
  data: [{ id: 'bench-model', object: 'model', created: 0, owned_by: 'bench' }],
});

export type Upstream = BenchServer;

export async function startFakeUpstream(): Promise<Upstream> {
  let pace: StreamPace = DEFAULT_PACE;
  const server = createServer((req, res) => {
    // Drain the request body before answering, as a real API does. Kept only for streams and the pace: the canned
    // answer does not read it.
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const text = chunks.length === 0 ? '' : Buffer.concat(chunks).toString('utf8');
      if (req.url === '/bench/stream') {
        pace = { ...DEFAULT_PACE, ...(JSON.parse(text) as Partial<StreamPace>) };
        res.writeHead(204).end();
        return;
      }
      if (text.includes('"stream":true')) {
        streamAnswer(req.url?.endsWith('/messages') ? 'anthropic' : 'openai', pace, res);
        return;
      }
      const body = req.url?.endsWith('/models') ? MODELS : CANNED;
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
      res.end(body);
    });
  });
  return listenLoopback(server);
}
