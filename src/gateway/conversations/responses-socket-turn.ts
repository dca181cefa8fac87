// One turn of a Responses WebSocket connection (`response.create`), sent through the gateway's own POST /v1/responses
// with fastify's `inject`, so the turn takes exactly an HTTP request's path — client key, the conversation it continues
// (`previous_response_id`, rebuilt from the gateway's record: conversation-record.ts), ladder and fallback, budgets,
// the request's log line, metrics and ledger row — and its SSE events go to the socket one JSON message each.
import type { FastifyInstance } from 'fastify';
import { createParser, type EventSourceMessage } from 'eventsource-parser';
import { isObj, setKey, type Obj } from '../../providers/translate/obj.ts';
import { newResponseId } from '../../providers/translate/ids.ts';
import type { GatewayContext } from '../context.ts';
import { recordTurn } from './conversation-record.ts';
import { openTurn, readableTurn } from './conversation-turn.ts';
import { socketTurnHeader } from './socket-turn-mark.ts';
import { ApiError, openaiErrorBody } from '../answer/api-error.ts';

/** What a turn needs of its connection. */
export interface TurnScope {
  app: FastifyInstance;
  /** The upgrade request's headers, less the WebSocket ones: each turn is checked and logged as that caller. */
  headers: Record<string, string | string[] | undefined>;
  remoteAddress: string;
  ctx: GatewayContext;
  /** The connection's client key, by name: a warm-up's turn is kept under it, as a request's is. */
  keyName: string | undefined;
  send: (text: string) => void;
  /** A wait while the socket has more queued than it should (a slow reader), else undefined: the turn reads no more
   * of its answer meanwhile, which holds the upstream back as a full HTTP socket does. */
  backlog: () => Promise<void> | undefined;
  /** Aborted when the connection closes: the turn's upstream call is cancelled as a hung-up request's is. */
  signal: AbortSignal;
}

/** The `response.create` fields that belong to the socket, not to the Responses request sent on. */
const SOCKET_FIELDS = new Set(['type', 'generate', 'stream_id', 'background', 'stream']);

/** An `error` event as OpenAI's WebSocket mode sends one: the HTTP status it would have had, and the error body. */
export function errorEvent(status: number, error: Obj, streamId: string | undefined): string {
  return JSON.stringify(withLane({ type: 'error', status, error }, streamId));
}

const withLane = (event: Obj, streamId: string | undefined): Obj =>
  streamId === undefined ? event : { ...event, stream_id: streamId };

export async function runTurn(scope: TurnScope, create: Obj, streamId: string | undefined): Promise<void> {
  if (create['generate'] === false) return warmUp(scope, create, streamId);
  const body: Obj = { stream: true };
  for (const [k, v] of Object.entries(create)) if (!SOCKET_FIELDS.has(k)) setKey(body, k, v);
  await sendOn(scope, body, streamId);
}

/** `generate: false` (Codex's warm-up): no model call, only an id the next turn can continue from (kept in the record
 * as a turn without output), answered with the lifecycle a response has. */
async function warmUp(scope: TurnScope, create: Obj, streamId: string | undefined): Promise<void> {
  const id = newResponseId();
  let store: boolean;
  try {
    const { turn } = await openTurn(scope.ctx, scope.keyName, create, Date.now(), true);
    recordTurn(scope.ctx, turn, { id, output: [] }, {}, Date.now());
    store = readableTurn(scope.ctx, turn);
  } catch (err) {
    if (!(err instanceof ApiError)) throw err;
    return scope.send(errorEvent(err.status, openaiErrorBody(err).error, streamId));
  }
  const response = (status: string): Obj => ({
    id,
    object: 'response',
    created_at: Math.floor(Date.now() / 1000),
    status,
    model: typeof create['model'] === 'string' ? create['model'] : null,
    output: [],
    store,
    usage: { input_tokens: 0, output_tokens: 0, total_tokens: 0 },
  });
  scope.send(
    JSON.stringify(
      withLane({ type: 'response.created', sequence_number: 0, response: response('in_progress') }, streamId),
    ),
  );
  scope.send(
    JSON.stringify(
      withLane({ type: 'response.completed', sequence_number: 1, response: response('completed') }, streamId),
    ),
  );
}

/** Sends the turn through POST /v1/responses and relays its answer: the stream's events, or its error. */
async function sendOn(scope: TurnScope, body: Obj, streamId: string | undefined): Promise<void> {
  const res = await scope.app.inject({
    method: 'POST',
    url: '/v1/responses',
    headers: { ...scope.headers, 'content-type': 'application/json', ...socketTurnHeader },
    payload: JSON.stringify(body),
    remoteAddress: scope.remoteAddress,
    payloadAsStream: true,
  });
  const stream = res.stream();
  const cancel = (): void => cancelReply(res.raw.res);
  if (scope.signal.aborted) cancel();
  else scope.signal.addEventListener('abort', cancel, { once: true });
  try {
    if (res.statusCode !== 200) {
      scope.send(errorEvent(res.statusCode, await errorOf(stream), streamId));
      return;
    }
    const parser = createParser({ onEvent: (ev) => relay(scope, ev, streamId) });
    for await (const chunk of stream) {
      parser.feed(String(chunk));
      const wait = scope.backlog();
      if (wait !== undefined) await wait;
    }
  } catch {
    // The connection closed mid-turn: the request's own line says how it ended.
  } finally {
    scope.signal.removeEventListener('abort', cancel);
  }
}

/** One SSE event to one message (the turn was kept in the record by the request itself). */
function relay(scope: TurnScope, ev: EventSourceMessage, streamId: string | undefined): void {
  if (streamId === undefined) return scope.send(ev.data);
  scope.send(JSON.stringify(withLane(JSON.parse(ev.data) as Obj, streamId)));
}

/** The error body of a refused turn (`{error: {…}}` in OpenAI's shape), or its text as the message. */
async function errorOf(stream: AsyncIterable<unknown>): Promise<Obj> {
  let text = '';
  for await (const chunk of stream) text += String(chunk);
  try {
    const body = JSON.parse(text) as unknown;
    if (isObj(body) && isObj(body['error'])) return body['error'];
  } catch {
    // Not JSON: said as it is below.
  }
  return { type: 'server_error', code: null, message: text, param: null };
}

/** Ends an injected reply as a caller hanging up would: its 'close' is what serve-chat cancels the call on. */
function cancelReply(res: { destroyed: boolean; destroy(): void; emit(event: 'close'): boolean }): void {
  if (res.destroyed) return;
  res.destroy();
  res.emit('close');
}
