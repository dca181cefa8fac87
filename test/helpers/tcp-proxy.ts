// A TCP proxy on loopback between one client and a server (a gateway and its Redis), that a test cuts to play a
// network partition: `cut()` drops every connection and refuses new ones until `mend()`.
import { connect, createServer, type AddressInfo, type Socket } from 'node:net';

/** `await using proxy = await startTcpProxy(port)` closes it when the test's scope ends. */
export interface TcpProxy extends AsyncDisposable {
  port: number;
  cut(): void;
  mend(): void;
  close(): Promise<void>;
}

export async function startTcpProxy(targetPort: number): Promise<TcpProxy> {
  const sockets = new Set<Socket>();
  let cut = false;
  const track = (s: Socket): void => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => s.destroy());
  };
  const server = createServer((client) => {
    track(client);
    if (cut) return client.destroy();
    const upstream = connect(targetPort, '127.0.0.1');
    track(upstream);
    client.pipe(upstream);
    upstream.pipe(client);
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const close = async (): Promise<void> => {
    for (const s of sockets) s.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return {
    port: (server.address() as AddressInfo).port,
    cut: () => {
      cut = true;
      for (const s of sockets) s.destroy();
    },
    mend: () => {
      cut = false;
    },
    close,
    [Symbol.asyncDispose]: close,
  };
}
