// A fixed, fast fake upstream for the benchmark: plain node:http answering every chat completion with one canned
// OpenAI response, so what the benchmark measures is the proxy in front of it.
import { createServer } from 'node:http';
import { listenLoopback, type BenchServer } from './listen.ts';

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
  const server = createServer((req, res) => {
    // Drain the request body before answering, as a real API does.
    req.on('data', () => {});
    req.on('end', () => {
      const body = req.url?.endsWith('/models') ? MODELS : CANNED;
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
      res.end(body);
    });
  });
  return listenLoopback(server);
}
