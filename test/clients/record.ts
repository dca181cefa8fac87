// A recording proxy: put it between a client and the gateway (or the simulator) and it forwards every request
// unchanged, streams the answer back unchanged, and keeps what the client sent — method, path, headers (credentials
// redacted), body — with the answer's status. A WebSocket upgrade (Codex's Responses WebSocket) is tunnelled as it
// is, kept as a `GET` with the status of the upgrade's answer (101 when it switched). `npm run test:clients -- --record` captures the fixtures with it; run
// by hand it writes one JSON file per request:
//   node test/clients/record.ts --target http://127.0.0.1:4141 --out /tmp/capture [--listen 127.0.0.1:4150]
import { request as httpRequest, createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { connect, type AddressInfo, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { keptHeaders, parseBody, type CapturedAnswer, type CapturedRequest } from './fixture.ts';

export interface Exchange {
  request: CapturedRequest;
  answered: CapturedAnswer;
  /** When the request arrived (epoch ms). */
  at?: number;
}

export interface Recorder {
  url: string;
  /** Every exchange so far, in the order the requests arrived. */
  exchanges: Exchange[];
  /** The exchanges since the last take(), and forgets them. */
  take(): Exchange[];
  /** Where requests go from now on. */
  retarget(target: string): void;
  close(): Promise<void>;
}

// An error body larger than this is cut: it is kept to show what the client was told, not to replay.
const ERROR_BODY_LIMIT = 8192;

export async function startRecorder(options: {
  target: string;
  listen?: { host: string; port: number };
  onExchange?: (e: Exchange) => void;
}): Promise<Recorder> {
  let target = new URL(options.target);
  let exchanges: Exchange[] = [];
  const all: Exchange[] = [];
  const server = createServer((req, res) => {
    const at = Date.now();
    void forward(req, res, target).then(
      (answer) => {
        const e = { ...answer, at };
        exchanges.push(e);
        all.push(e);
        options.onExchange?.(e);
      },
      (err: unknown) => {
        if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' });
        res.end(`recorder: ${err instanceof Error ? err.message : String(err)}`);
      },
    );
  });
  const tunnels = new Set<Duplex>();
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const at = Date.now();
    tunnels.add(socket);
    socket.once('close', () => tunnels.delete(socket));
    tunnel(req, socket, head, target, (e) => {
      exchanges.push({ ...e, at });
      all.push({ ...e, at });
      options.onExchange?.({ ...e, at });
    });
  });
  const { host = '127.0.0.1', port = 0 } = options.listen ?? {};
  await new Promise<void>((resolve) => server.listen(port, host, resolve));
  const address = server.address() as AddressInfo;
  return {
    url: `http://${host}:${address.port}`,
    exchanges: all,
    take() {
      const out = exchanges;
      exchanges = [];
      return out;
    },
    retarget(next) {
      target = new URL(next);
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
        for (const t of tunnels) t.destroy();
      }),
  };
}

async function forward(req: IncomingMessage, res: ServerResponse, target: URL): Promise<Exchange> {
  const body = await readAll(req);
  const path = req.url ?? '/';
  const request: CapturedRequest = {
    method: req.method ?? 'GET',
    path,
    headers: keptHeaders(req.headers),
    body: parseBody(body.toString('utf8')),
  };
  const headers = { ...req.headers, host: target.host };
  return new Promise<Exchange>((resolve, reject) => {
    const upstream = httpRequest(
      { host: target.hostname, port: target.port, method: request.method, path: joinPath(target, path), headers },
      (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        const status = up.statusCode ?? 0;
        const errorChunks: Buffer[] = [];
        let kept = 0;
        up.on('data', (chunk: Buffer) => {
          if (status >= 400 && kept < ERROR_BODY_LIMIT) {
            errorChunks.push(chunk);
            kept += chunk.length;
          }
          res.write(chunk);
        });
        up.on('end', () => {
          res.end();
          const answered: CapturedAnswer = { status, contentType: String(up.headers['content-type'] ?? '') };
          if (status >= 400)
            answered.error = parseBody(Buffer.concat(errorChunks).subarray(0, ERROR_BODY_LIMIT).toString('utf8'));
          resolve({ request, answered });
        });
        up.on('error', reject);
      },
    );
    upstream.on('error', reject);
    // The client hung up: so does the forwarded request (an aborted stream must not run on upstream).
    res.on('close', () => {
      if (!res.writableFinished) upstream.destroy();
    });
    upstream.end(body);
  });
}

/** Passes an upgrade through byte for byte, and reports it once the target has answered it. */
function tunnel(req: IncomingMessage, socket: Duplex, head: Buffer, target: URL, done: (e: Exchange) => void): void {
  const request: CapturedRequest = {
    method: req.method ?? 'GET',
    path: req.url ?? '/',
    headers: keptHeaders(req.headers),
    body: null,
  };
  const upstream: Socket = connect(Number(target.port), target.hostname);
  const lines = [`${request.method} ${joinPath(target, request.path)} HTTP/1.1`];
  for (let i = 0; i < req.rawHeaders.length; i += 2)
    lines.push(`${req.rawHeaders[i]}: ${/^host$/i.test(req.rawHeaders[i]!) ? target.host : req.rawHeaders[i + 1]}`);
  upstream.write(`${lines.join('\r\n')}\r\n\r\n`);
  if (head.length > 0) upstream.write(head);
  upstream.once('data', (first: Buffer) => {
    const status = Number(/^HTTP\/1\.1 (\d+)/.exec(first.toString('latin1'))?.[1] ?? 0);
    done({ request, answered: { status, contentType: '' } });
  });
  upstream.pipe(socket).pipe(upstream);
  upstream.on('error', () => socket.destroy());
  socket.on('error', () => upstream.destroy());
  upstream.on('close', () => socket.destroy());
  socket.on('close', () => upstream.destroy());
}

function joinPath(target: URL, path: string): string {
  const base = target.pathname.replace(/\/$/, '');
  return `${base}${path}`;
}

function readAll(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/** `POST /v1/messages?beta=true` → `post-v1-messages`. */
export function exchangeSlug(e: Exchange): string {
  const path = e.request.path.split('?')[0] ?? '';
  return `${e.request.method.toLowerCase()}-${path.replace(/[^a-zA-Z0-9]+/g, '-').replace(/^-|-$/g, '')}`;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      target: { type: 'string' },
      out: { type: 'string' },
      listen: { type: 'string', default: '127.0.0.1:0' },
    },
  });
  if (!values.target || !values.out) {
    console.error('usage: node test/clients/record.ts --target URL --out DIR [--listen HOST:PORT]');
    process.exit(2);
  }
  const out = values.out;
  mkdirSync(out, { recursive: true });
  const [host = '127.0.0.1', port = '0'] = values.listen.split(':');
  let n = 0;
  const recorder = await startRecorder({
    target: values.target,
    listen: { host, port: Number(port) },
    onExchange: (e) => {
      n += 1;
      const file = join(out, `${String(n).padStart(3, '0')}-${exchangeSlug(e)}.json`);
      writeFileSync(file, `${JSON.stringify(e, null, 2)}\n`);
      console.log(`${e.request.method} ${e.request.path} → ${e.answered.status}  ${file}`);
    },
  });
  console.log(`recording on ${recorder.url} → ${values.target}; writing to ${out} (Ctrl-C stops)`);
  process.once('SIGINT', () => void recorder.close());
  process.once('SIGTERM', () => void recorder.close());
}

if (import.meta.main) await main();
