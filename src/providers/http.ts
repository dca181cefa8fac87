// HTTP to upstreams over undici: one keep-alive Pool per origin, reused across calls (docs/gateway.md: no connection setup
// on the hot path). Failures come back already classified as UpstreamError; no secret the call was sent with (the key,
// header values, the base URL's password and query) enters a message.
import type { IncomingHttpHeaders } from 'node:http';
import { Client, Pool, ProxyAgent } from 'undici';
import { describeProxy, tunnelMessage, tunnelRefused } from './proxy.ts';
import type { Dispatcher } from 'undici';
import { classifyHttp, classifyStreamError, classifyTransport } from '../errors/classify.ts';
import { unparsableMessage } from '../errors/error-body.ts';
import { MalformedAnswer } from './translate/answer-check.ts';
import { fromClassification, UpstreamError } from '../errors/upstream-error.ts';
import type { Classification } from '../errors/classification.ts';
import { callSecrets, type SentWith } from './call-secrets.ts';
import { createDeadline, type Deadline } from './deadline.ts';
import { BodyPieces, type RequestBody } from './translate/body-pieces.ts';
import { responseSockets } from './openai-responses/socket-pool.ts';
import { onReusedConnection } from './reused-connections.ts';
import type { ChatRequest, ChatResponse, SendContext } from './types.ts';

const pools = new Map<string, Pool>();

/** Uncapped, per origin: a cap would let one client's long streams queue every other call to that host past its
 * deadline (docs/gateway.md#connections-to-upstreams). */
function poolFor(origin: string): Pool {
  let pool = pools.get(origin);
  if (!pool) {
    pool = new Pool(origin, { connections: null, pipelining: 1, keepAliveTimeout: 30_000 });
    pools.set(origin, pool);
  }
  return pool;
}

// One ProxyAgent per proxy URL: it keeps a pool per upstream origin behind the proxy (CONNECT tunnels for http and
// https proxies; SOCKS5 too). Made only when a provider goes through a proxy.
const proxies = new Map<string, ProxyAgent>();

function proxyAgent(url: string): ProxyAgent {
  let agent = proxies.get(url);
  if (!agent) {
    agent = new ProxyAgent({ uri: url, connections: null, pipelining: 1, keepAliveTimeout: 30_000 });
    proxies.set(url, agent);
  }
  return agent;
}

/** Where a call is dispatched: its origin's pool, or its proxy's agent (which needs the origin with each request). A
 * call sent again after its pooled connection went stale gets a connection of its own, since the pool's other idle
 * ones may be as old; it is closed once that one answer is over. */
function dispatcherFor(call: Pick<UpstreamCall, 'url' | 'sentWith'>): Dispatcher {
  const proxy = call.sentWith.proxy;
  if (call.sentWith.freshConnection !== true)
    return proxy === undefined ? poolFor(call.url.origin) : proxyAgent(proxy.url);
  const once =
    proxy === undefined ? new Client(call.url.origin, { pipelining: 1 }) : new ProxyAgent({ uri: proxy.url });
  // close() lets the request already queued finish, answer and body, then ends the connection.
  queueMicrotask(() => void once.close().catch(() => undefined));
  return once;
}

/** Closes every pooled connection (tests, shutdown). */
export async function closePools(): Promise<void> {
  responseSockets.closeAll();
  const all: Dispatcher[] = [...pools.values(), ...proxies.values()];
  pools.clear();
  proxies.clear();
  await Promise.all(all.map((p) => p.close().catch(() => undefined)));
}

/** `base` + `suffix`, keeping the base path (`https://h/v1` + `/models` → `https://h/v1/models`). */
export function joinUrl(base: string, suffix: string): URL {
  const url = new URL(base);
  url.pathname = `${url.pathname.replace(/\/+$/, '')}${suffix}`;
  return url;
}

/** Where an upstream call goes: the pool's origin and the request path (with any query of the base URL). */
export interface UpstreamTarget {
  readonly origin: string;
  readonly path: string;
}

// Parsed targets per (base, suffix): parsing a URL per call is measurable. Bounded against endless hot reloads.
const targets = new Map<string, Map<string, UpstreamTarget>>();
const MAX_BASES = 1_000;

/** joinUrl, parsed once per (base, suffix) and kept. A `?query` in the suffix is set on the base's query. */
export function upstreamTarget(base: string, suffix: string): UpstreamTarget {
  let bySuffix = targets.get(base);
  if (bySuffix === undefined) {
    if (targets.size >= MAX_BASES) targets.clear();
    bySuffix = new Map();
    targets.set(base, bySuffix);
  }
  let target = bySuffix.get(suffix);
  if (target === undefined) {
    const q = suffix.indexOf('?');
    const url = joinUrl(base, q < 0 ? suffix : suffix.slice(0, q));
    if (q >= 0) for (const [name, value] of new URLSearchParams(suffix.slice(q + 1))) url.searchParams.set(name, value);
    target = Object.freeze({ origin: url.origin, path: `${url.pathname}${url.search}` });
    bySuffix.set(suffix, target);
  }
  return target;
}

export interface UpstreamCall {
  provider: string;
  url: UpstreamTarget;
  method: 'GET' | 'POST';
  headers: Record<string, string>;
  /** JSON text, or the bytes of a caller's own body spliced for a same-shape route (translate/splice.ts), in pieces
   * when it is large (translate/body-pieces.ts). */
  body?: RequestBody;
  deadline: Deadline;
  /** What the call was sent with: its secrets (callSecrets) are scrubbed verbatim from upstream messages, worked out
   * only when there is a failure to clean. */
  sentWith: SentWith;
  /** Headers worked out from the whole request as it goes out (AWS SigV4), added to `headers` then. */
  sign?: (call: Pick<UpstreamCall, 'url' | 'method' | 'headers' | 'body'>) => Promise<Record<string, string>>;
}

/** How much of an error body (or of a whole answer where a stream was asked for) is read to say what it was. */
export const MAX_ERROR_BODY = 64 * 1024;

/** `limits.max_answer_bytes` and `limits.max_event_bytes` when a call's context names none (docs/config.md#limits). */
export const MAX_ANSWER_BYTES = 32 * 1024 * 1024;
export const MAX_EVENT_BYTES = 4 * 1024 * 1024;

/** An answer (or one event of a stream) over its bound: a `server` failure of this attempt that is not retried on the
 * same key (it would send as much again), so the chain falls back; the message names the setting. */
export function tooLargeFailure(
  provider: string,
  what: 'answer' | 'event',
  limit: number,
  size: string,
  midStream = false,
): UpstreamError {
  const setting = what === 'answer' ? 'limits.max_answer_bytes' : 'limits.max_event_bytes';
  return fromClassification(
    {
      kind: 'server',
      code: what === 'answer' ? 'answer_too_large' : 'event_too_large',
      providerMessage: `${what === 'answer' ? 'the answer' : 'one event of the stream'} was larger than ${setting} (${mib(limit)}): ${size}; reading stopped there`,
    },
    provider,
    { midStream },
  );
}

function mib(bytes: number): string {
  return bytes >= 1024 * 1024 ? `${(bytes / 1024 / 1024).toFixed(1).replace(/\.0$/, '')} MiB` : `${bytes} bytes`;
}

/** A failed transfer → the error to surface: a caller abort as is, else classified. `answerStarted` makes it
 * `answer_cut`, since the provider was reached. A connection dropped on a reused pooled connection before any byte of
 * the answer is `staleConnection`: the provider closed it while idle as the request went out. */
export function transportFailure(
  err: unknown,
  call: Pick<UpstreamCall, 'provider' | 'deadline' | 'sentWith'>,
  midStream: boolean,
  answerStarted = false,
): unknown {
  if (UpstreamError.isInstance(err)) return err;
  if (call.deadline.callerAborted) return call.deadline.reason ?? err;
  const transport = call.deadline.timedOut ? undefined : classifyTransport(err, callSecrets(call.sentWith));
  const c =
    transport === undefined
      ? {
          kind: 'timeout' as const,
          code: 'TIMEOUT',
          providerMessage: midStream ? 'stream went idle past the timeout' : 'no answer within the timeout',
        }
      : answerStarted
        ? { ...transport, code: 'answer_cut' }
        : staleOrNot(transport, err, midStream);
  const proxy = call.sentWith.proxy;
  if (proxy === undefined) return fromClassification(c, call.provider, { midStream, cause: err });
  const refused = tunnelRefused(c.providerMessage) ? { blocked: 'proxy' as const } : {};
  return fromClassification({ ...c, ...refused, providerMessage: tunnelMessage(c.providerMessage) }, call.provider, {
    midStream,
    cause: err,
    via: describeProxy(proxy),
  });
}

/** The transport's classification, marked stale when the connection it dropped had carried an earlier request and
 * nothing of this one's answer came. */
function staleOrNot(c: Classification, err: unknown, midStream: boolean): Classification {
  if (midStream || c.kind !== 'connection') return c;
  return onReusedConnection(err) ? { ...c, staleConnection: true } : c;
}

/** The call's headers and body as undici takes them: a body in pieces as their list (undici writes each in turn),
 * with the content-length undici would otherwise work out from one Buffer. */
function sent(call: UpstreamCall): { headers: Record<string, string>; body: Dispatcher.DispatchOptions['body'] } {
  const body = call.body;
  if (!(body instanceof BodyPieces)) return { headers: call.headers, body: body ?? null };
  // undici takes an Iterable body (docs/api/Dispatcher.md, `body`); its types list only the others.
  const pieces = body.pieces as unknown as Dispatcher.DispatchOptions['body'];
  return { headers: { ...call.headers, 'content-length': String(body.length) }, body: pieces };
}

/** Sends the call with `handler` as undici's dispatch handler: its answer comes to the handler's callbacks, with no
 * Readable, promise per chunk or AbortSignal between (docs/performance.md). */
export function dispatchCall(call: UpstreamCall, handler: Dispatcher.DispatchHandler): void {
  dispatcherFor(call).dispatch(
    { origin: call.url.origin, path: call.url.path, method: call.method, ...sent(call) },
    handler,
  );
}

/** The deadline (its timer, or the caller's abort) ends the call through undici's own controller. */
export function abortOnDeadline(deadline: Deadline, controller: Dispatcher.DispatchController): void {
  deadline.onAbort((reason) => controller.abort(reason instanceof Error ? reason : new Error(String(reason))));
}

/** A non-2xx answer, read up to MAX_ERROR_BODY, as the classified failure to throw. */
export function statusFailure(
  call: Pick<UpstreamCall, 'provider' | 'sentWith'>,
  status: number,
  headers: IncomingHttpHeaders,
  text: string,
): UpstreamError {
  return fromClassification(
    classifyHttp({ status, headers, body: text.slice(0, MAX_ERROR_BODY), secrets: callSecrets(call.sentWith) }),
    call.provider,
  );
}

/** A 2xx JSON body where a stream was asked for (`text`, its first MAX_ERROR_BODY bytes): the error it holds, or a
 * `server` failure saying what came, rather than a misleading "stream broke". */
export function nonStreamAnswer(
  call: Pick<UpstreamCall, 'provider' | 'sentWith'>,
  status: number,
  headers: IncomingHttpHeaders,
  text: string,
): UpstreamError {
  let body: unknown;
  try {
    body = JSON.parse(text) as unknown;
  } catch {
    return fromClassification(
      {
        kind: 'server',
        status,
        code: 'invalid_json',
        providerMessage: unparsableMessage(
          `a stream was asked for and the answer came whole (${String(headers['content-type'] ?? 'no content type')}), not as JSON either`,
          text,
          callSecrets(call.sentWith),
        ),
      },
      call.provider,
    );
  }
  if (typeof body === 'object' && body !== null && 'error' in body)
    return fromClassification(classifyStreamError(body, callSecrets(call.sentWith)), call.provider);
  return fromClassification(
    {
      kind: 'server',
      status,
      code: 'not_a_stream',
      providerMessage:
        'a stream was asked for and the answer came whole (application/json): the server does not stream on this endpoint',
    },
    call.provider,
  );
}

/** Parses a 2xx body as JSON; garbage is an upstream `server` failure, never a crash. */
function parseJson(text: string, status: number, call: UpstreamCall): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw fromClassification(
      {
        kind: 'server',
        status,
        code: 'invalid_json',
        providerMessage: unparsableMessage('answer was not JSON', text, callSecrets(call.sentWith)),
      },
      call.provider,
    );
  }
}

/** Some compatible servers leave out the answer's model: it is the one asked for. */
export function withModel(res: ChatResponse, req: ChatRequest): ChatResponse {
  if (res.model === '') res.model = req.model;
  return res;
}

/** Reads a parsed 2xx body with an adapter's translator: a field of a type it cannot read is an upstream `server`
 * failure saying which (answer-check.ts), like an answer that is not JSON. */
export function readAnswer<T>(read: () => T, provider: string): T {
  try {
    return read();
  } catch (err) {
    if (!(err instanceof MalformedAnswer)) throw err;
    throw fromClassification(
      { kind: 'server', code: 'invalid_response', providerMessage: `answer was malformed: ${err.message}` },
      provider,
    );
  }
}

/** A 2xx answer an adapter could not read as an answer: an error object in it (`errorBody`; some servers send one
 * with a 200) fails as it says; anything else is an upstream `server` failure naming what was missing. */
export function unreadAnswer(ctx: SendContext, errorBody: unknown, missing: string): UpstreamError {
  if (errorBody !== undefined)
    return fromClassification(classifyStreamError(errorBody, callSecrets(ctx)), ctx.provider);
  return fromClassification({ kind: 'server', code: 'invalid_response', providerMessage: missing }, ctx.provider);
}

/** Collects a non-streaming answer through undici's dispatch API, skipping the Readable, promise-per-chunk and
 * AbortSignal layers that cost more than the call (docs/performance.md). */
class BufferedAnswer implements Dispatcher.DispatchHandler {
  status = 0;
  headers: IncomingHttpHeaders = {};
  readonly #chunks: Buffer[] = [];
  #size = 0;
  readonly #deadline: Deadline;
  readonly #done: (err: unknown, answer?: BufferedAnswer) => void;
  /** `limits.max_answer_bytes`, and the call's provider for the failure that names it. */
  readonly #max: number;
  readonly #provider: string;
  #over = false;

  constructor(call: UpstreamCall, max: number, done: (err: unknown, answer?: BufferedAnswer) => void) {
    this.#deadline = call.deadline;
    this.#provider = call.provider;
    this.#max = max;
    this.#done = done;
  }

  /** A 2xx answer over the bound: the connection is aborted (the pool drops it) and the attempt fails. */
  #tooLarge(controller: Dispatcher.DispatchController, size: string): void {
    this.#over = true;
    this.#chunks.length = 0;
    controller.abort(tooLargeFailure(this.#provider, 'answer', this.#max, size));
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    abortOnDeadline(this.#deadline, controller);
  }

  onResponseStart(controller: Dispatcher.DispatchController, status: number, headers: IncomingHttpHeaders): void {
    this.status = status;
    this.headers = headers;
    const declared = Number(headers['content-length']);
    if (ok(status) && declared > this.#max) this.#tooLarge(controller, `its Content-Length says ${declared} bytes`);
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    this.#size += chunk.length;
    if (ok(this.status)) {
      if (this.#size <= this.#max) this.#chunks.push(chunk);
      else if (!this.#over) this.#tooLarge(controller, `more than ${this.#max} bytes came`);
      // Error bodies are read only to classify them: keep the first MAX_ERROR_BODY bytes of one, drain the rest.
    } else if (this.#size - chunk.length < MAX_ERROR_BODY) this.#chunks.push(chunk);
  }

  onResponseEnd(): void {
    this.#done(undefined, this);
  }

  onResponseError(_controller: Dispatcher.DispatchController, err: Error): void {
    this.#done(err);
  }

  text(): string {
    const chunks = this.#chunks;
    return chunks.length === 1 ? chunks[0]!.toString('utf8') : Buffer.concat(chunks).toString('utf8');
  }
}

const ok = (status: number): boolean => status >= 200 && status < 300;

/** What an adapter says about a call; the provider, the deadline and the secrets to scrub come from its SendContext. */
export type CallRequest = Omit<UpstreamCall, 'provider' | 'deadline' | 'sentWith'>;

/** A non-streaming adapter call: bounded by a deadline of its own (the context's timeout and signal); a 2xx comes
 * back parsed as JSON, anything else is classified and thrown as UpstreamError. */
export function callJson(ctx: SendContext, request: CallRequest): Promise<unknown> {
  const deadline = createDeadline(ctx.timeoutMs, ctx.signal);
  const call: UpstreamCall = { ...request, provider: ctx.provider, deadline, sentWith: ctx };
  return new Promise((resolve, reject) => {
    // The deadline lives exactly as long as the answer: cleared when it is complete, failed or never sent.
    const handler = new BufferedAnswer(call, ctx.maxAnswerBytes ?? MAX_ANSWER_BYTES, (err, answer) => {
      deadline.clear();
      if (err !== undefined || answer === undefined)
        return reject(transportFailure(err, call, false, handler.status !== 0));
      const text = answer.text();
      if (answer.status >= 200 && answer.status < 300) {
        call.sentWith.onStatus?.(answer.status);
        ctx.onHeaders?.(answer.headers);
        try {
          resolve(parseJson(text, answer.status, call));
        } catch (parseErr) {
          reject(parseErr);
        }
        return;
      }
      reject(statusFailure(call, answer.status, answer.headers, text));
    });
    try {
      dispatchCall(call, handler);
    } catch (err) {
      deadline.clear();
      reject(transportFailure(err, call, false));
    }
  });
}
