// The two bench servers start and stop the same way: keep-alive, an ephemeral loopback port, close cutting
// idle connections so a run ends at once.
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** Room for thousands of streams opened at once (bench/stream.bench.ts); Node's default is 511. */
const BACKLOG = 4096;

export interface BenchServer {
  url: string;
  server: Server;
  close(): Promise<void>;
}

export async function listenLoopback(
  server: Server,
  onClose: () => Promise<void> = async () => {},
): Promise<BenchServer> {
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen({ port: 0, host: '127.0.0.1', backlog: BACKLOG }, resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    server,
    close: async () => {
      await new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      });
      await onClose();
    },
  };
}
