// The baseline the gateway is measured against: a bare node:http server that forwards each request body to the
// upstream with undici over a keep-alive pool and sends the answer back. No parsing, no auth, no logging. A streamed
// answer (text/event-stream) is piped through as its bytes come: the floor for bench/stream.bench.ts.
import { createServer } from 'node:http';
import { pipeline } from 'node:stream';
import { listenLoopback, type BenchServer } from './listen.ts';
import { Pool } from 'undici';

export type BareProxy = BenchServer;

export async function startBareProxy(upstreamUrl: string): Promise<BareProxy> {
  // Uncapped, as the gateway's pools are: 5,000 open streams need 5,000 upstream connections.
  const pool = new Pool(upstreamUrl, { connections: null, pipelining: 1 });
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      pool
        .request({
          method: 'POST',
          path: req.url ?? '/v1/chat/completions',
          headers: { 'content-type': 'application/json', authorization: 'Bearer sk-bench-upstream-key-0000' },
          body: Buffer.concat(chunks),
        })
        .then(async (up) => {
          if (String(up.headers['content-type']).startsWith('text/event-stream')) {
            res.writeHead(up.statusCode, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
            pipeline(up.body, res, () => {});
            return;
          }
          const body = Buffer.from(await up.body.arrayBuffer());
          res.writeHead(up.statusCode, { 'content-type': 'application/json', 'content-length': body.length });
          res.end(body);
        })
        .catch((err: unknown) => {
          res.writeHead(502, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ error: { message: err instanceof Error ? err.message : String(err) } }));
        });
    });
  });
  return listenLoopback(server, () => pool.close());
}
