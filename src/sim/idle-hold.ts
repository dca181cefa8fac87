// How long the simulator's servers (the chat one and the MCP one) hold an idle keep-alive connection: a minute past
// the 5 s they advertise (`Keep-Alive: timeout=5`, which undici takes as 3 s). Run in one process with its client (the
// tests, the demo), a stall of the event loop from before the client's 3 s to past the server's close would otherwise
// let a request go out on a connection being closed.
import type { Server } from 'node:http';

/** How much longer than it says a server holds an idle connection open (Node's default is 1 s). */
const IDLE_CLOSE_GRACE_MS = 60_000;

export function holdIdleConnections(server: Server): void {
  server.keepAliveTimeoutBuffer = IDLE_CLOSE_GRACE_MS;
}
