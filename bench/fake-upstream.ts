// A fixed, fast fake upstream for the benchmark: plain node:http answering every chat completion with one canned
// OpenAI response (an Anthropic one on `/messages`), so what the benchmark measures is the proxy in front of it. A request with `"stream":true` is
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

const CANNED_ANTHROPIC = JSON.stringify({
  id: 'msg_bench',
  type: 'message',
  role: 'assistant',
  model: 'claude-bench',
  content: [{ type: 'text', text: 'Hello from the fake upstream.' }],
  stop_reason: 'end_turn',
  stop_sequence: null,
  usage: { input_tokens: 12, output_tokens: 7 },
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
      // Searched as bytes: an agent's 1 MB body decoded to a string per request would load the shared machine.
      const bytes = Buffer.concat(chunks);
      if (req.url === '/bench/stream') {
        pace = { ...DEFAULT_PACE, ...(JSON.parse(bytes.toString('utf8')) as Partial<StreamPace>) };
        res.writeHead(204).end();
        return;
      }
      if (bytes.includes('"stream":true')) {
        streamAnswer(req.url?.endsWith('/messages') ? 'anthropic' : 'openai', pace, res);
        return;
      }
      const body = req.url?.endsWith('/models') ? MODELS : req.url?.endsWith('/messages') ? CANNED_ANTHROPIC : CANNED;
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
      res.end(body);
    });
  });
  return listenLoopback(server);
}
