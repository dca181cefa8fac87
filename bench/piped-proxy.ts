// The fastest a Node proxy forwards a request: a node:http server that pipes each request's body to the upstream with
// undici as its bytes come, and pipes the answer back, buffering neither (issue 53: throughput is held against it).
// Beside the buffered proxy (bare-proxy.ts), which reads the whole body first as a gateway must.
import { createServer } from 'node:http';
import { pipeline } from 'node:stream';
import { Pool } from 'undici';
import { listenLoopback, type BenchServer } from './listen.ts';

export async function startPipedProxy(upstreamUrl: string): Promise<BenchServer> {
  const pool = new Pool(upstreamUrl, { connections: null, pipelining: 1 });
  const server = createServer((req, res) => {
    const length = req.headers['content-length'];
    pool
      .request({
        method: 'POST',
        path: req.url ?? '/v1/chat/completions',
        headers: {
          'content-type': 'application/json',
          authorization: 'Bearer sk-bench-upstream-key-0000',
          ...(length !== undefined ? { 'content-length': length } : {}),
        },
        body: req,
      })
      .then((up) => {
        const type = String(up.headers['content-type'] ?? 'application/json');
        const upLength = up.headers['content-length'];
        res.writeHead(up.statusCode, {
          'content-type': type,
          ...(upLength !== undefined ? { 'content-length': String(upLength) } : {}),
        });
        pipeline(up.body, res, () => {});
      })
      .catch((err: unknown) => {
        // A caller gone mid-request (the end of a load slice) fails the upload after the answer began.
        if (res.headersSent) {
          res.destroy();
          return;
        }
        res.writeHead(502, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: { message: err instanceof Error ? err.message : String(err) } }));
      });
  });
  return listenLoopback(server, () => pool.close());
}
