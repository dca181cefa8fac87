// A TCP proxy on loopback between one client and a server (a gateway and its Redis or PostgreSQL), that a test cuts to
// play a network partition or a server gone (`cut()`: every connection dropped, new ones refused), or stalls to play
// a paused one (`stall()`: connections kept, every byte held either way), until `mend()`.
import { connect, createServer, type AddressInfo, type Socket } from 'node:net';

/** `await using proxy = await startTcpProxy(port)` closes it when the test's scope ends. */
export interface TcpProxy extends AsyncDisposable {
  port: number;
  cut(): void;
  stall(): void;
  /** Back to forwarding; what a stall held is sent. */
  mend(): void;
  close(): Promise<void>;
}

export async function startTcpProxy(targetPort: number, targetHost = '127.0.0.1'): Promise<TcpProxy> {
  const sockets = new Set<Socket>();
  const held: (() => void)[] = [];
  let cut = false;
  let stalled = false;
  const track = (s: Socket): void => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => s.destroy());
  };
  const forward = (from: Socket, to: Socket): void => {
    from.on('data', (chunk: Buffer) => {
      if (stalled) held.push(() => to.write(chunk));
      else to.write(chunk);
    });
    from.on('end', () => to.end());
    from.on('close', () => to.destroy());
  };
  const server = createServer((client) => {
    track(client);
    if (cut) return client.destroy();
    const upstream = connect(targetPort, targetHost);
    track(upstream);
    forward(client, upstream);
    forward(upstream, client);
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
    stall: () => {
      stalled = true;
    },
    mend: () => {
      cut = false;
      stalled = false;
      for (const send of held.splice(0)) send();
    },
    close,
    [Symbol.asyncDispose]: close,
  };
}
