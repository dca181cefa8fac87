// A real HTTP proxy on loopback for tests of `providers.X.proxy`: it answers CONNECT (the tunnel undici opens for
// http and https upstreams alike), records where each tunnel went and the Proxy-Authorization it came with, and
// refuses with 407 when it was given a user and the request did not carry it.
import { createServer, type IncomingMessage } from 'node:http';
import { connect, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';

/** `await using proxy = await startConnectProxy(…)` closes it when the test's scope ends. */
export interface ConnectProxy extends AsyncDisposable {
  /** `http://127.0.0.1:PORT` (with `user:password@` when started with credentials). */
  url: string;
  /** `host:port` of every tunnel asked for, in order. */
  connects: string[];
  close(): Promise<void>;
}

export async function startConnectProxy(credentials?: { user: string; password: string }): Promise<ConnectProxy> {
  const connects: string[] = [];
  const sockets = new Set<Socket>();
  const expected = credentials
    ? `Basic ${Buffer.from(`${credentials.user}:${credentials.password}`).toString('base64')}`
    : undefined;
  const server = createServer((_req, res) => {
    res.writeHead(405).end();
  });
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  server.on('connect', (req: IncomingMessage, client: Socket, head: Buffer) => {
    const target = req.url ?? '';
    connects.push(target);
    if (expected !== undefined && req.headers['proxy-authorization'] !== expected) {
      client.end(
        'HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm="test"\r\nContent-Length: 0\r\n\r\n',
      );
      return;
    }
    const colon = target.lastIndexOf(':');
    const upstream = connect(Number(target.slice(colon + 1)), target.slice(0, colon), () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length > 0) upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    sockets.add(upstream);
    upstream.on('close', () => sockets.delete(upstream));
    const end = (): void => {
      client.destroy();
      upstream.destroy();
    };
    upstream.on('error', end);
    client.on('error', end);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const auth = credentials
    ? `${encodeURIComponent(credentials.user)}:${encodeURIComponent(credentials.password)}@`
    : '';
  const close = (): Promise<void> =>
    new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    });
  return { url: `http://${auth}127.0.0.1:${port}`, connects, close, [Symbol.asyncDispose]: close };
}
