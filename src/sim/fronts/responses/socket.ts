// The Responses API's WebSocket mode on GET /v1/responses, as OpenAI serves it: the key is checked before the upgrade
// (a refusal is the HTTP answer), then each `response.create` message is one turn answered with the same events as the
// HTTP stream, one message each. One response at a time per connection; `previous_response_id` may name the last
// response of this connection even when it was not stored; errors are `error` events and leave the connection open;
// a connection lasts an hour. Faults act on the socket: a reset or a cut drops it mid-turn (docs/simulator.md).
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import { socketLimitReached, type HttpReply } from '../../errors.ts';
import { jsonObjectOf, type Json } from '../../json.ts';

/** How long OpenAI keeps a connection open. */
export const SOCKET_MAX_MS = 60 * 60 * 1000;

/** What one connection can do with a turn: the simulator's decision and answer for it (turns.ts). */
export interface SocketTurns {
  /** The HTTP refusal of an upgrade (no key, or one the scenario does not know), or undefined to accept it. */
  refusal(req: IncomingMessage): HttpReply | undefined;
  /** Runs one `response.create` (its fields, `type` removed) on the connection; resolves when the turn is over. */
  turn(req: IncomingMessage, create: Json, conn: SocketConnection): Promise<void>;
}

/** One connection's state and its way out. */
export interface SocketConnection {
  /** Numbers the simulator's connections from 1, in the order they opened. */
  number: number;
  /** The last response of this connection and the conversation it left: continuable even with `store: false`. */
  last: { id: string; items: Json[] } | undefined;
  /** Sends one event (a JSON text); false once the connection is gone. */
  send(text: string): Promise<boolean>;
  /** Drops the connection at once, as a reset or a cut mid-turn does (the client sees 1006). */
  drop(): void;
  /** The connection is past its time limit from now on: closed once the turn ends (a `socket_limit` step). */
  expire(): void;
  /** Aborted when the connection closes. */
  signal: AbortSignal;
}

export function socketError(status: number, error: Json): string {
  return JSON.stringify({ type: 'error', status, error });
}

/** Serves the WebSocket mode on `server`'s upgrades to /v1/responses; other upgrades are refused 404. */
export function installResponsesSocket(
  server: import('node:http').Server,
  turns: SocketTurns,
  maxMs: number = SOCKET_MAX_MS,
): WebSocketServer {
  const wss = new WebSocketServer({ noServer: true });
  let opened = 0;
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const path = (req.url ?? '').split('?')[0]!.replace(/\/$/, '');
    const refusal = path === '/v1/responses' ? turns.refusal(req) : notFound(path);
    if (refusal !== undefined) return refuse(socket, refusal);
    wss.handleUpgrade(req, socket, head, (ws) => serveConnection(ws, req, turns, maxMs, ++opened));
  });
  return wss;
}

function serveConnection(ws: WebSocket, req: IncomingMessage, turns: SocketTurns, maxMs: number, number: number): void {
  const closed = new AbortController();
  let busy = false;
  let expired = false;
  const conn: SocketConnection = {
    number,
    last: undefined,
    send: (text) =>
      new Promise((resolve) => {
        if (ws.readyState !== ws.OPEN) return resolve(false);
        ws.send(text, (err) => resolve(err === undefined || err === null));
      }),
    drop: () => ws.terminate(),
    expire: () => void (expired = true),
    signal: closed.signal,
  };
  const limit = setTimeout(() => {
    expired = true;
    if (!busy) ws.close(1000, 'connection limit reached');
  }, maxMs);
  limit.unref();
  ws.on('close', () => {
    clearTimeout(limit);
    closed.abort();
  });
  ws.on('error', () => ws.terminate());
  ws.on('message', (data: RawData, isBinary: boolean) => {
    const create = isBinary ? undefined : parse(String(data));
    if (create === undefined || create['type'] !== 'response.create')
      return void conn.send(socketError(400, unsupported(create)));
    if (expired) return void conn.send(socketError(400, limitReached(maxMs)));
    if (busy) return void conn.send(socketError(400, inFlight()));
    busy = true;
    const { type: _type, ...fields } = create;
    void turns
      .turn(req, fields, conn)
      .catch(() => conn.drop())
      .finally(() => {
        busy = false;
        if (expired) ws.close(1000, 'connection limit reached');
      });
  });
}

function parse(text: string): Json | undefined {
  const value = jsonObjectOf(text);
  return typeof value === 'string' ? undefined : value;
}

const unsupported = (event: Json | undefined): Json => ({
  type: 'invalid_request_error',
  code: 'unsupported_event',
  message:
    event === undefined
      ? 'Invalid message: expected a JSON object.'
      : `Unsupported event type '${String(event['type'])}'. Supported: response.create.`,
  param: 'type',
});

const inFlight = (): Json => ({
  type: 'invalid_request_error',
  code: 'conversation_already_has_active_response',
  message:
    'A response is already in progress on this connection: wait for it to finish before sending response.create.',
  param: null,
});

const limitReached = (maxMs: number): Json => {
  const { status: _status, ...error } = socketLimitReached(Math.round(maxMs / 60_000));
  return error;
};

function notFound(path: string): HttpReply {
  const body = JSON.stringify({
    error: {
      message: `Unknown WebSocket URL: ${path}. The simulator serves the Responses API's WebSocket mode at /v1/responses.`,
      type: 'invalid_request_error',
      param: null,
      code: 'unknown_url',
    },
  });
  return { status: 404, contentType: 'application/json', body };
}

/** The HTTP answer on the socket that asked to upgrade, then closed. */
function refuse(socket: Duplex, reply: HttpReply): void {
  const headers = {
    ...reply.headers,
    'content-type': reply.contentType,
    'content-length': Buffer.byteLength(reply.body),
  };
  const head = Object.entries(headers)
    .map(([k, v]) => `${k}: ${String(v)}`)
    .join('\r\n');
  const text = reply.status === 401 ? 'Unauthorized' : reply.status === 404 ? 'Not Found' : 'Error';
  socket.end(`HTTP/1.1 ${reply.status} ${text}\r\n${head}\r\nconnection: close\r\n\r\n${reply.body}`);
}
