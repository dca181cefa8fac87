// The Responses API's WebSocket mode on GET /v1/responses (what Codex asks for first, `OpenAI-Beta:
// responses_websockets=…`): the client key is checked before the protocol switches (a refusal is the HTTP answer an
// HTTP request would get), then each `response.create` is one turn (responses-socket-turn.ts). Turns of one lane
// (`stream_id`, or none) run one after another; lanes run side by side. A connection lasts at most an hour, as
// OpenAI's do: then it is closed once its turns are done, and a turn asked after that gets
// `websocket_connection_limit_reached`, which clients answer by reconnecting. See docs/responses.md#websocket-mode.
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { WebSocketServer, type WebSocket, type RawData } from 'ws';
import { ApiError, errorHeaders, openaiErrorBody } from '../answer/api-error.ts';
import type { GatewayContext } from '../context.ts';
import { clientKeyVerdict } from '../plugins/client-auth.ts';
import { headerUser } from '../request/end-user.ts';
import { requestId } from '../request/request-id.ts';
import { rawJson } from '../../log.ts';
import { isObj, type Obj } from '../../providers/translate/obj.ts';
import { errorEvent, runTurn, type TurnScope } from './responses-socket-turn.ts';

/** Bytes queued on a connection past which a turn waits before reading more of its answer. */
const HIGH_WATER = 1 << 20;

/** Headers of the upgrade that are the WebSocket's, not the caller's: a turn is sent on without them. */
const SOCKET_HEADERS = new Set([
  'upgrade',
  'connection',
  'sec-websocket-key',
  'sec-websocket-version',
  'sec-websocket-extensions',
  'sec-websocket-protocol',
  'content-length',
  'transfer-encoding',
]);

export interface SocketOptions {
  /** How long a connection may last (a test's override of `gateway.responses_websocket.max_connection`). */
  maxMs?: number;
}

/** One connection's limits, read from the config in force when it opens (a reload applies to new connections). */
interface SocketLimits {
  maxMs: number;
  maxLanes: number;
}

export function installResponsesSocket(app: FastifyInstance, ctx: GatewayContext, options: SocketOptions = {}): void {
  const wss = new WebSocketServer({ noServer: true, maxPayload: ctx.settings.loaded.config.gateway.body_limit });
  const open = new Set<SocketConnection>();
  app.server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const refusal = upgradeRefusal(ctx, req);
    if (refusal !== undefined) {
      logUpgrade(ctx, req, refusal);
      return refuse(socket, refusal);
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      logUpgrade(ctx, req);
      const limits = socketLimits(ctx, options);
      const conn = new SocketConnection(app, ctx, ws, req, limits, () => open.delete(conn));
      open.add(conn);
    });
  });
  // A shutdown lets each connection finish its turns (the drain waits for them as for any request), then closes it.
  app.addHook('preClose', async () => {
    for (const conn of open) conn.closeWhenIdle(1001, 'the gateway is shutting down');
  });
  app.addHook('onClose', async () => {
    for (const conn of open) conn.terminate();
    wss.close();
  });
}

function socketLimits(ctx: GatewayContext, options: SocketOptions): SocketLimits {
  const configured = ctx.settings.loaded.config.gateway.responses_websocket;
  return { maxMs: options.maxMs ?? configured.max_connection, maxLanes: configured.max_streams };
}

/** Why an upgrade is refused, as the HTTP answer to give, or undefined to accept it. */
function upgradeRefusal(ctx: GatewayContext, req: IncomingMessage): ApiError | undefined {
  const path = (req.url ?? '').split('?')[0]!.replace(/\/$/, '');
  if (path !== '/v1/responses')
    return new ApiError('not_found', `no WebSocket endpoint at ${path.slice(0, 100)}: only /v1/responses has one`);
  if (ctx.closing) return new ApiError('unavailable', 'the gateway is shutting down', { retryAfterSeconds: 1 });
  const verdict = clientKeyVerdict(ctx, req.headers);
  // A user header the key does not take is refused before the upgrade, as each turn's would be (end-user.ts).
  return verdict.error ?? headerUser(null, verdict.keyName, verdict.users, req.headers);
}

/** An upgrade's line, once: a refused one as a refused request's, an accepted one as `101 upgraded` (its turns then
 * have lines of their own, method `WS`). */
function logUpgrade(ctx: GatewayContext, req: IncomingMessage, err?: ApiError): void {
  const verdict = clientKeyVerdict(ctx, req.headers);
  ctx.requestLine(
    'info',
    {
      req_id: requestId(req.headers).json,
      method: 'GET',
      path: (req.url ?? '').split('?')[0]!.slice(0, 200),
      status: err === undefined ? 101 : err.status,
      api: 'openai',
      key: verdict.keyName,
      outcome: err === undefined ? 'upgraded' : (err.code ?? `http_${err.status}`),
      websocket: true,
      ...(err === undefined ? {} : { error: rawJson(err.message, false) }),
    },
    'request',
  );
}

/** Writes an HTTP answer on the socket that asked to upgrade, in OpenAI's error shape, and closes it. */
function refuse(socket: Duplex, err: ApiError): void {
  const body = JSON.stringify(openaiErrorBody(err));
  const headers = {
    ...errorHeaders(err),
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(body),
  };
  const head = Object.entries(headers)
    .map(([k, v]) => `${k}: ${v}`)
    .join('\r\n');
  socket.end(`HTTP/1.1 ${err.status} ${statusText(err.status)}\r\n${head}\r\nconnection: close\r\n\r\n${body}`);
}

const statusText = (status: number): string =>
  ({ 401: 'Unauthorized', 404: 'Not Found', 503: 'Service Unavailable' })[status] ?? 'Error';

/** One open connection: its lanes, its record of responses, its time limit. */
class SocketConnection {
  readonly #ws: WebSocket;
  readonly #scope: TurnScope;
  readonly #abort = new AbortController();
  /** Lane (stream_id, '' for none) → the promise of its last turn. */
  readonly #lanes = new Map<string, Promise<void>>();
  readonly #limit: NodeJS.Timeout;
  readonly #maxLanes: number;
  #ending: { code: number; reason: string; error?: Obj } | undefined;
  /** Settles once a message sent over HIGH_WATER has reached the socket (TurnScope.backlog). */
  #flushed: Promise<void> | undefined;

  constructor(
    app: FastifyInstance,
    ctx: GatewayContext,
    ws: WebSocket,
    req: IncomingMessage,
    limits: SocketLimits,
    onClosed: () => void,
  ) {
    this.#ws = ws;
    this.#maxLanes = limits.maxLanes;
    this.#scope = {
      app,
      headers: turnHeaders(req),
      remoteAddress: req.socket.remoteAddress ?? '127.0.0.1',
      ctx,
      keyName: clientKeyVerdict(ctx, req.headers).keyName,
      send: (text) => {
        if (ws.readyState !== ws.OPEN) return;
        if (ws.bufferedAmount < HIGH_WATER) return ws.send(text);
        // A caller reading slower than the answer comes: the turn waits for this message to reach the socket.
        this.#flushed = new Promise((resolve) => ws.send(text, () => resolve()));
      },
      backlog: () => {
        const flushed = this.#flushed;
        this.#flushed = undefined;
        return flushed;
      },
      signal: this.#abort.signal,
    };
    const { maxMs } = limits;
    this.#limit = setTimeout(() => this.closeWhenIdle(1000, 'connection limit reached', limitReached(maxMs)), maxMs);
    this.#limit.unref();
    ws.on('message', (data, isBinary) => this.#onMessage(data, isBinary));
    ws.on('close', () => {
      clearTimeout(this.#limit);
      this.#abort.abort();
      onClosed();
    });
    ws.on('error', () => ws.terminate());
  }

  /** Refuses new turns and closes once the running ones are done. */
  closeWhenIdle(code: number, reason: string, error?: Obj): void {
    this.#ending ??= error === undefined ? { code, reason } : { code, reason, error };
    if (this.#lanes.size === 0) this.#ws.close(code, reason);
  }

  terminate(): void {
    this.#ws.terminate();
  }

  #onMessage(data: RawData, isBinary: boolean): void {
    const create = isBinary ? undefined : parseEvent(String(data));
    const lane = create !== undefined && typeof create['stream_id'] === 'string' ? create['stream_id'] : undefined;
    if (create === undefined || create['type'] !== 'response.create')
      return this.#scope.send(errorEvent(400, unsupportedEvent(create), lane));
    if (this.#ending !== undefined)
      return this.#scope.send(errorEvent(400, this.#ending.error ?? shuttingDown(), lane));
    const key = lane ?? '';
    if (!this.#lanes.has(key) && this.#lanes.size >= this.#maxLanes)
      return this.#scope.send(errorEvent(429, tooManyLanes(this.#maxLanes), lane));
    const last = this.#lanes.get(key) ?? Promise.resolve();
    const turn = last.then(() => runTurn(this.#scope, create, lane)).catch(() => {});
    this.#lanes.set(key, turn);
    void turn.then(() => {
      if (this.#lanes.get(key) !== turn) return;
      this.#lanes.delete(key);
      if (this.#ending !== undefined && this.#lanes.size === 0) this.#ws.close(this.#ending.code, this.#ending.reason);
    });
  }
}

function turnHeaders(req: IncomingMessage): Record<string, string | string[] | undefined> {
  const headers: Record<string, string | string[] | undefined> = {};
  for (const [k, v] of Object.entries(req.headers)) if (!SOCKET_HEADERS.has(k)) headers[k] = v;
  return headers;
}

function parseEvent(text: string): Obj | undefined {
  try {
    const event = JSON.parse(text) as unknown;
    return isObj(event) ? event : undefined;
  } catch {
    return undefined;
  }
}

function unsupportedEvent(event: Obj | undefined): Obj {
  const type = event?.['type'];
  return {
    type: 'invalid_request_error',
    code: 'unsupported_event',
    message:
      event === undefined
        ? 'a message on this connection must be a JSON object: {"type": "response.create", …}'
        : `unsupported event type ${JSON.stringify(typeof type === 'string' ? type.slice(0, 100) : type)}: this gateway takes response.create`,
    param: 'type',
  };
}

function limitReached(maxMs: number): Obj {
  return {
    type: 'invalid_request_error',
    code: 'websocket_connection_limit_reached',
    message: `this connection has reached its limit of ${Math.round(maxMs / 60_000)} minutes; open a new one`,
    param: null,
  };
}

const shuttingDown = (): Obj => ({
  type: 'server_error',
  code: 'gateway_shutting_down',
  message: 'the gateway is shutting down; reconnect',
  param: null,
});

const tooManyLanes = (max: number): Obj => ({
  type: 'rate_limit_error',
  code: 'too_many_streams',
  message: `this connection already has ${max} streams (stream_id) waiting or running (gateway.responses_websocket.max_streams); send on one of them or open another connection`,
  param: 'stream_id',
});
