// A TCP proxy on loopback between one client and one server (a gateway replica and Redis), that a test cuts to play a
// network partition: `cut()` drops every open connection and refuses new ones until `mend()`.
import { connect, createServer, type Server, type Socket } from 'node:net';

export interface TcpProxy extends AsyncDisposable {
  port: number;
  cut(): void;
  mend(): void;
  close(): Promise<void>;
}

export async function startTcpProxy(targetPort: number, targetHost = '127.0.0.1'): Promise<TcpProxy> {
  const open = new Set<Socket>();
  let broken = false;
  const server: Server = createServer((client) => {
    if (broken) {
      client.destroy();
      return;
    }
    const upstream = connect(targetPort, targetHost);
    for (const s of [client, upstream]) {
      open.add(s);
      s.on('close', () => open.delete(s));
      // Either end failing ends both: a reset is what the other side should see.
      s.on('error', () => {
        client.destroy();
        upstream.destroy();
      });
    }
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  const cut = (): void => {
    broken = true;
    for (const s of open) s.destroy();
  };
  const close = async (): Promise<void> => {
    cut();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return { port, cut, mend: () => (broken = false), close, [Symbol.asyncDispose]: close };
}
