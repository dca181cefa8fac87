// An HTTP proxy on loopback in front of an upstream (the simulator) that keeps every request body it forwards, as
// the upstream received it: what a test reads to prove something never left the gateway.
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** `await using proxy = await startRecordingProxy()` closes it when the test's scope ends. */
export interface RecordingProxy extends AsyncDisposable {
  /** `http://127.0.0.1:PORT`. */
  url: string;
  /** Where requests go from now on (`http://127.0.0.1:PORT` of the upstream). */
  target(url: string): void;
  /** Each forwarded request's path and body text, in order. */
  bodies: { path: string; text: string }[];
  close(): Promise<void>;
}

export async function startRecordingProxy(): Promise<RecordingProxy> {
  let upstream: URL | undefined;
  const bodies: RecordingProxy['bodies'] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      bodies.push({ path: req.url ?? '', text: body.toString('utf8') });
      const out = request(
        { host: upstream!.hostname, port: upstream!.port, method: req.method, path: req.url, headers: req.headers },
        (up) => {
          res.writeHead(up.statusCode ?? 502, up.headers);
          up.pipe(res);
        },
      );
      out.on('error', () => res.destroy());
      out.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const close = async (): Promise<void> => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return { url, target: (u) => (upstream = new URL(u)), bodies, close, [Symbol.asyncDispose]: close };
}
