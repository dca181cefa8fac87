// A Responses route's turns over OpenAI's WebSocket mode (`responses_websocket: true`): `response.create` on a
// connection to `{base_url}/responses`, kept per upstream and key (socket-pool.ts). A turn continuing the
// connection's last response sends only its new input items with that `previous_response_id`, as Codex does. Each
// message goes to the same handler as an SSE event of the HTTP stream (adapter.ts); the failures are
// classified as over HTTP — a refused upgrade as its HTTP status, an `error` event as the status it carries, a close
// before the end as a cut — so the ladder retries, rotates and falls back alike.
import { createHash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import WebSocket from 'ws';
import { classifyHttp } from '../../errors/classify.ts';
import { fromClassification } from '../../errors/upstream-error.ts';
import { authHeaderFor, authHeaders } from '../auth-header.ts';
import { callSecrets } from '../call-secrets.ts';
import { createDeadline, type Deadline } from '../deadline.ts';
import { joinUrl, MAX_EVENT_BYTES, transportFailure } from '../http.ts';
import { heard, type StreamHandler } from '../stream-call.ts';
import { responseSockets, type PooledSocket, type SocketPool } from './socket-pool.ts';
import { isObj, setKey, type Obj } from '../translate/obj.ts';
import type { SendContext, StreamEvent } from '../types.ts';

/** The beta header Codex sends with the upgrade. */
const BETA = 'responses_websockets=2026-02-06';
/** Of a refused upgrade's body, read only to say what it was. */
const MAX_REFUSAL = 64 * 1024;
/** Fields of an HTTP body the WebSocket mode has no use for. */
const HTTP_ONLY = new Set(['stream', 'background']);

/** A message, a close, or the call's end, as the turn reads them in order. */
type Arrival = { data: string } | { closed: number } | { ended: unknown };

/** One turn on a connection: its events (handler's, from each message) as an async iterable; `final` is the
 * response the terminal event carried, once it came. */
export class SocketTurn implements AsyncIterable<StreamEvent> {
  final: Obj | undefined;
  readonly #ctx: SendContext;
  readonly #body: Obj;
  readonly #handler: StreamHandler;
  readonly #pool: SocketPool;

  constructor(ctx: SendContext, body: Obj, handler: StreamHandler, pool: SocketPool = responseSockets) {
    this.#ctx = ctx;
    this.#body = body;
    this.#handler = handler;
    this.#pool = pool;
  }

  [Symbol.asyncIterator](): AsyncIterator<StreamEvent> {
    return this.#run();
  }

  async *#run(): AsyncGenerator<StreamEvent> {
    const ctx = this.#ctx;
    const deadline = createDeadline(ctx.timeoutMs, ctx.signal);
    ctx.endBy?.((reason) => deadline.abort(reason));
    const call = { provider: ctx.provider, deadline, sentWith: ctx };
    const place = placeOf(ctx);
    // A connection at its limit refuses the turn before anything: once, the turn goes on a new one.
    try {
      for (let fresh = false; ; fresh = true) {
        const { socket, sent, before } = await this.#connect(place, deadline, fresh);
        let produced = false;
        let ok = false;
        const arrivals = listen(socket, deadline);
        try {
          socket.ws.send(JSON.stringify({ type: 'response.create', ...sent }));
          for (;;) {
            const a = await arrivals.next();
            if ('ended' in a) throw transportFailure(a.ended, call, produced);
            if ('closed' in a) throw cut(ctx, a.closed, produced);
            deadline.touch();
            const data = parse(a.data);
            const type = typeof data?.['type'] === 'string' ? data['type'] : '';
            if (type === 'error' && data !== undefined) {
              if (!produced && !fresh && errorCode(data) === 'websocket_connection_limit_reached') break;
              throw socketError(ctx, data, produced);
            }
            if (type === 'response.completed' || type === 'response.incomplete')
              this.final = isObj(data?.['response']) ? data['response'] : undefined;
            const out = this.#handler.onEvent({ event: type, data: a.data, id: undefined });
            if (out.events.some(heard)) ctx.onRead?.();
            produced ||= out.events.length > 0;
            yield* out.events;
            if (out.done) {
              yield* this.#handler.onEnd() ?? [];
              ok = true;
              remember(socket, sent, before, this.final);
              return;
            }
          }
        } finally {
          arrivals.stop();
          if (ok) this.#pool.release(place, socket);
          else this.#pool.drop(place, socket);
        }
      }
    } finally {
      deadline.clear();
    }
  }

  /** The connection the turn goes on and what it is sent there: the one holding the conversation (only the new input
   * then), else a new one (the body as it is). */
  async #connect(
    place: string,
    deadline: Deadline,
    fresh: boolean,
  ): Promise<{ socket: PooledSocket; sent: Obj; before: string[] }> {
    const body: Obj = {};
    for (const [k, v] of Object.entries(this.#body)) if (!HTTP_ONLY.has(k)) setKey(body, k, v);
    const previous = body['previous_response_id'];
    const input = Array.isArray(body['input']) ? body['input'].map((i) => JSON.stringify(i)) : undefined;
    const rest = restOf(body);
    if (!fresh && typeof previous === 'string') {
      const s = this.#pool.take(place, (x) => x.last?.id === previous);
      if (s !== undefined) return { socket: s, sent: body, before: s.last!.items };
    }
    if (!fresh && previous === undefined && input !== undefined) {
      const s = this.#pool.take(place, (x) => x.last?.rest === rest && startsWith(input, x.last.items));
      if (s !== undefined) {
        const held = s.last!;
        const sent = {
          ...body,
          previous_response_id: held.id,
          input: (body['input'] as unknown[]).slice(held.items.length),
        };
        return { socket: s, sent, before: held.items };
      }
    }
    const socket = await open(this.#ctx, deadline, this.#pool.now());
    this.#pool.add(place, socket);
    return { socket, sent: body, before: [] };
  }
}

/** Upstream and key: a connection serves one key of one provider. The key is hashed, not kept as a name. */
function placeOf(ctx: SendContext): string {
  return createHash('sha256').update(`${ctx.baseUrl}\u0000${ctx.apiKey}`).digest('hex');
}

const restOf = (body: Obj): string => {
  const { input: _i, previous_response_id: _p, ...rest } = body;
  return JSON.stringify(rest);
};

const startsWith = (items: string[], prefix: string[]): boolean =>
  prefix.length > 0 && prefix.length < items.length && prefix.every((p, i) => items[i] === p);

/** After a completed turn the connection holds the conversation: what it held, the input sent, the output. */
function remember(socket: PooledSocket, sent: Obj, before: string[], final: Obj | undefined): void {
  const id = final?.['id'];
  if (typeof id !== 'string') return void delete socket.last;
  const input = sent['input'];
  const items = [
    ...before,
    ...(Array.isArray(input) ? input.map((i) => JSON.stringify(i)) : []),
    ...(Array.isArray(final?.['output']) ? final['output'].map((i) => JSON.stringify(i)) : []),
  ];
  // A string input has no item form the caller would send back: such a conversation continues by id only.
  socket.last = { id, items: typeof input === 'string' ? [] : items, rest: restOf(sent) };
}

function parse(text: string): Obj | undefined {
  try {
    const v: unknown = JSON.parse(text);
    return isObj(v) ? v : undefined;
  } catch {
    return undefined;
  }
}

const errorCode = (data: Obj): unknown => (isObj(data['error']) ? data['error']['code'] : undefined);

/** An `error` event: classified as the HTTP answer of its status would be. */
function socketError(ctx: SendContext, data: Obj, midStream: boolean): unknown {
  const status = typeof data['status'] === 'number' ? data['status'] : 500;
  const body = JSON.stringify({ error: isObj(data['error']) ? data['error'] : data });
  return fromClassification(classifyHttp({ status, headers: {}, body, secrets: callSecrets(ctx) }), ctx.provider, {
    midStream,
  });
}

function cut(ctx: SendContext, code: number, midStream: boolean): unknown {
  return fromClassification(
    {
      kind: 'connection',
      code: 'stream_cut',
      providerMessage: `the WebSocket closed (code ${code}) before the response was complete`,
    },
    ctx.provider,
    { midStream },
  );
}

/** Messages read ahead of a consumer busy elsewhere (a slow caller) before the connection stops reading. */
const READ_AHEAD = 256;

/** The connection's arrivals in order, for one turn. A consumer that falls behind pauses the reading, and the timer
 * with it (a wait on the consumer is not the upstream's silence), as a paused HTTP body does (stream-call.ts). */
function listen(socket: PooledSocket, deadline: Deadline): { next(): Promise<Arrival>; stop(): void } {
  const queue: Arrival[] = [];
  let wake: (() => void) | undefined;
  let paused = false;
  const push = (a: Arrival): void => {
    queue.push(a);
    if (!paused && queue.length >= READ_AHEAD && socket.raw !== undefined) {
      paused = true;
      socket.raw.pause();
      deadline.pause();
    }
    const w = wake;
    wake = undefined;
    w?.();
  };
  const resume = (): void => {
    if (!paused) return;
    paused = false;
    deadline.touch();
    socket.raw?.resume();
  };
  const onMessage = (data: WebSocket.RawData): void => push({ data: String(data) });
  const onClose = (code: number): void => push({ closed: code });
  socket.ws.on('message', onMessage).on('close', onClose);
  if (socket.ws.readyState !== WebSocket.OPEN) push({ closed: 1006 });
  deadline.onAbort((reason) => push({ ended: reason }));
  return {
    async next() {
      if (queue.length < READ_AHEAD / 2) resume();
      while (queue.length === 0) await new Promise<void>((resolve) => (wake = resolve));
      return queue.shift()!;
    },
    stop() {
      resume();
      socket.ws.off('message', onMessage).off('close', onClose);
    },
  };
}

/** `{base_url}/responses` as a WebSocket URL. */
function socketUrl(baseUrl: string): URL {
  const url = joinUrl(baseUrl, '/responses');
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  return url;
}

/** Opens a connection, sending the key as on HTTP; a refused upgrade is classified by its status and body. */
function open(ctx: SendContext, deadline: Deadline, now: number): Promise<PooledSocket> {
  const call = { provider: ctx.provider, deadline, sentWith: ctx };
  const headers = {
    ...authHeaders(ctx.auth ?? authHeaderFor('openai', undefined), ctx.apiKey),
    ...ctx.headers,
    'openai-beta': BETA,
  };
  // One message is one event: `limits.max_event_bytes` bounds it as it bounds an SSE event (a larger one closes the
  // connection, a cut).
  const maxPayload = ctx.maxEventBytes ?? MAX_EVENT_BYTES;
  const ws = new WebSocket(socketUrl(ctx.baseUrl), { headers, perMessageDeflate: false, maxPayload });
  let raw: PooledSocket['raw'];
  return new Promise((resolve, reject) => {
    ws.once('upgrade', (res: IncomingMessage) => (raw = res.socket));
    ws.once('open', () => {
      ws.off('error', onError);
      // Later errors end the connection; the turn reading it sees the close.
      ws.on('error', () => ws.terminate());
      ctx.onStatus?.(101);
      resolve({ ws, raw, openedAt: now, busy: true });
    });
    const onError = (err: Error): void => reject(transportFailure(err, call, false));
    ws.once('error', onError);
    ws.once('unexpected-response', (req, res) => {
      void refusal(res).then((body) => {
        req.destroy();
        reject(
          fromClassification(
            classifyHttp({ status: res.statusCode ?? 502, headers: res.headers, body, secrets: callSecrets(ctx) }),
            ctx.provider,
          ),
        );
      });
    });
    deadline.onAbort((reason) => {
      ws.terminate();
      reject(transportFailure(reason, call, false));
    });
  });
}

async function refusal(res: IncomingMessage): Promise<string> {
  let text = '';
  try {
    for await (const chunk of res) {
      text += String(chunk);
      if (text.length >= MAX_REFUSAL) break;
    }
  } catch {
    // What came is what there is.
  }
  return text.slice(0, MAX_REFUSAL);
}
