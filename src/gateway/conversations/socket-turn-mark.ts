// How a request to POST /v1/responses is known to be a turn of the Responses WebSocket mode (responses-socket-turn.ts
// sends each turn through it with fastify's `inject`): a header whose value is this process's own secret, so a caller
// over HTTP cannot pass its request off as one. Such a turn is always kept (conversation-turn.ts) and its log line
// says `WS` (request-end.ts).
import type { IncomingHttpHeaders } from 'node:http';
import { randomUUID } from 'node:crypto';

const SOCKET_TURN_HEADER = 'x-switchyard-socket-turn';
const MARK = randomUUID();

/** The header a socket turn is sent with. */
export const socketTurnHeader: Readonly<Record<string, string>> = { [SOCKET_TURN_HEADER]: MARK };

export const isSocketTurn = (headers: IncomingHttpHeaders): boolean => headers[SOCKET_TURN_HEADER] === MARK;
