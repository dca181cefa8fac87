// A recording proxy: put it between a client and the gateway (or the simulator) and it forwards every request
// unchanged, streams the answer back unchanged, and keeps what the client sent — method, path, headers (credentials
// redacted), body — with the answer's status. A WebSocket (the Responses WebSocket mode of Codex and the Agents SDK)
// is relayed message by message: kept as a `GET` with the status of the upgrade's answer (101 when it switched) and
// every message each way (`frames`). `npm run test:clients -- --record` captures the fixtures with it; run by hand it
// writes one JSON file per request (a WebSocket's as it opens, then with all its messages when stopped):
//   node test/clients/record.ts --target http://127.0.0.1:4141 --out /tmp/capture [--listen 127.0.0.1:4150]
import { request as httpRequest, createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocket, WebSocketServer } from 'ws';
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
  /** A WebSocket's messages, in the order they went: what the client sent, what it was answered. */
  frames?: Frame[];
}

/** One WebSocket message, parsed when it is JSON. */
export type Frame = { sent: unknown } | { answered: unknown };

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
    // What answered a stream the client left before it ended (an MCP listen stream): kept as the stream began.
    let began: CapturedAnswer | undefined;
    const upstream = httpRequest(
      { host: target.hostname, port: target.port, method: request.method, path: joinPath(target, path), headers },
      (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        const status = up.statusCode ?? 0;
        began = { status, contentType: String(up.headers['content-type'] ?? '') };
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
          const route = up.headers['x-switchyard-route'];
          if (typeof route === 'string' && route !== '') answered.route = route;
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
      if (res.writableFinished) return;
      if (began !== undefined) resolve({ request, answered: began });
      upstream.destroy();
    });
    upstream.end(body);
  });
}

/** Relays a WebSocket: the upgrade goes to the target with the client's headers; once the target has switched, the
 * client's is accepted and every message is passed on unchanged and kept (`frames`); a refused upgrade's HTTP answer
 * goes back to the client as it came. */
function tunnel(req: IncomingMessage, socket: Duplex, head: Buffer, target: URL, done: (e: Exchange) => void): void {
  const request: CapturedRequest = {
    method: req.method ?? 'GET',
    path: req.url ?? '/',
    headers: keptHeaders(req.headers),
    body: null,
  };
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers))
    if (value !== undefined && !WS_OWN_HEADERS.has(name))
      headers[name] = Array.isArray(value) ? value.join(', ') : value;
  const frames: Frame[] = [];
  const upstream = new WebSocket(`ws://${target.host}${joinPath(target, request.path)}`, {
    headers,
    perMessageDeflate: false,
  });
  upstream.once('unexpected-response', (_r, res) => {
    const chunks: Buffer[] = [];
    res.on('data', (c: Buffer) => chunks.push(c));
    res.on('end', () => {
      const body = Buffer.concat(chunks);
      const head = Object.entries(res.headers)
        .filter(([k]) => k !== 'transfer-encoding' && k !== 'content-length' && k !== 'connection')
        .map(([k, v]) => `${k}: ${Array.isArray(v) ? v.join(', ') : String(v)}`);
      socket.end(
        `HTTP/1.1 ${res.statusCode ?? 502} ${res.statusMessage ?? ''}\r\n${[...head, `content-length: ${body.length}`, 'connection: close'].join('\r\n')}\r\n\r\n${body.toString('latin1')}`,
        'latin1',
      );
      const answered: CapturedAnswer = {
        status: res.statusCode ?? 0,
        contentType: String(res.headers['content-type'] ?? ''),
      };
      answered.error = parseBody(body.subarray(0, ERROR_BODY_LIMIT).toString('utf8'));
      done({ request, answered });
    });
  });
  upstream.once('error', () => socket.destroy());
  upstream.once('open', () => {
    relayServer.handleUpgrade(req, socket, head, (client) => {
      client.on('message', (data, isBinary) => {
        frames.push({ sent: parseBody(String(data)) });
        upstream.send(data, { binary: isBinary });
      });
      upstream.on('message', (data, isBinary) => {
        frames.push({ answered: parseBody(String(data)) });
        client.send(data, { binary: isBinary });
      });
      // Reported as it opens, its frames filled in as they go: the client's run is timed from its first request.
      done({ request, answered: { status: 101, contentType: '' }, frames });
      client.on('close', (code, reason) => {
        upstream.close(code === 1005 || code === 1006 ? 1000 : code, reason);
      });
      upstream.on('close', (code, reason) => {
        client.close(code === 1005 || code === 1006 ? 1000 : code, reason);
      });
      client.on('error', () => upstream.terminate());
      upstream.on('error', () => client.terminate());
    });
  });
  socket.on('error', () => upstream.terminate());
}

/** Headers of the client's upgrade that belong to its WebSocket handshake: the relay's own handshake has its own. */
const WS_OWN_HEADERS = new Set([
  'host',
  'upgrade',
  'connection',
  'sec-websocket-key',
  'sec-websocket-version',
  'sec-websocket-extensions',
  'content-length',
]);

/** Accepts the client's side of a relayed WebSocket (the relay, not a server of its own: noServer). */
const relayServer = new WebSocketServer({ noServer: true, perMessageDeflate: false, maxPayload: 64 << 20 });

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
  // A WebSocket's file is written as it opens and again, with all its messages, when the recorder stops.
  const sockets: [string, Exchange][] = [];
  const write = (file: string, e: Exchange): void => writeFileSync(file, `${JSON.stringify(e, null, 2)}\n`);
  const recorder = await startRecorder({
    target: values.target,
    listen: { host, port: Number(port) },
    onExchange: (e) => {
      n += 1;
      const file = join(out, `${String(n).padStart(3, '0')}-${exchangeSlug(e)}.json`);
      write(file, e);
      if (e.frames !== undefined) sockets.push([file, e]);
      console.log(`${e.request.method} ${e.request.path} → ${e.answered.status}  ${file}`);
    },
  });
  console.log(`recording on ${recorder.url} → ${values.target}; writing to ${out} (Ctrl-C stops)`);
  const stop = (): void => {
    for (const [file, e] of sockets) write(file, e);
    void recorder.close();
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

if (import.meta.main) await main();
