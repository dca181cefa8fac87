// A loopback port nothing listens on (for a moment): for servers the tests start themselves, or to stand for one
// that is down.
import { connect, createServer } from 'node:net';

/** Below Linux's ephemeral range (32768–60999): a port the kernel hands to every listen(0) and outgoing connection
 * may be taken between our check and a server's start, or while a killed server is down before its restart; one
 * from here only by another test's pick, and never twice by this process. */
const PRIVATE_PORTS = { from: 20_000, to: 32_000 } as const;
const handedOut = new Set<number>();

export async function freePort(): Promise<number> {
  for (let tries = 0; tries < 1000; tries++) {
    const port = PRIVATE_PORTS.from + Math.floor(Math.random() * (PRIVATE_PORTS.to - PRIVATE_PORTS.from));
    if (handedOut.has(port) || !(await bindable(port))) continue;
    handedOut.add(port);
    return port;
  }
  throw new Error(`no free loopback port between ${PRIVATE_PORTS.from} and ${PRIVATE_PORTS.to}`);
}

function bindable(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** Whether something accepts connections on a loopback port right now. */
export function accepting(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
