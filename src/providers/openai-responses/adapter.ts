// OpenAI's Responses API as an upstream (`responses_api: true`): the caller's request goes as sent, with the route's
// model, so built-in tools reach a service that runs them (docs/responses.md#built-in-tools-web_search-file_search-mcp-);
// over HTTP, or with `responses_websocket: true` over the WebSocket mode (socket.ts), read alike.
import { classifyStreamError } from '../../errors/classify.ts';
import { fromClassification } from '../../errors/upstream-error.ts';
import { authHeaderFor, authHeaders } from '../auth-header.ts';
import { callSecrets } from '../call-secrets.ts';
import { callJson, readAnswer, unreadAnswer, upstreamTarget, withModel } from '../http.ts';
import { eventJson, streamCall, type StreamHandler } from '../stream-call.ts';
import { failureOf, fromResponsesObject } from './answer.ts';
import { createResponsesStreamDecoder, RESPONSES_FRAME_KEY } from './stream.ts';
import { isObj } from '../translate/obj.ts';
import { SocketTurn } from './socket.ts';
import { splicedResponsesBody } from './splice-body.ts';
import type { ChatRequest, ChatResponse, SendContext, StreamEvent } from '../types.ts';
import { jsonBody } from '../translate/json-bytes.ts';
import type { RequestBody } from '../translate/body-pieces.ts';

/** Sent to a Responses route: a Responses request with a route of that provider, which then gets it whole. */
export const goesToResponses = (req: ChatRequest, ctx: SendContext): boolean =>
  ctx.responsesApi === true && req.responses_body !== undefined;

function headers(ctx: SendContext, accept: string): Record<string, string> {
  return {
    'content-type': 'application/json',
    accept,
    ...authHeaders(ctx.auth ?? authHeaderFor('openai', undefined), ctx.apiKey),
    ...ctx.headers,
  };
}

/** The caller's body, or the one the conversation's owner is sent (SendContext.responsesBody): the caller's own bytes
 * when the body is still theirs (splice-body.ts). */
const bodyFor = (req: ChatRequest, ctx: SendContext, stream: boolean): RequestBody =>
  splicedResponsesBody(req, ctx, stream) ??
  jsonBody({ ...(ctx.responsesBody ?? req.responses_body), model: req.model, stream });

/** The route's turns go over the WebSocket mode (`responses_websocket: true`); not through a proxy, which carries
 * HTTP only here: such a route's turns go over HTTP. */
const overSocket = (ctx: SendContext): boolean => ctx.responsesWebsocket === true && ctx.proxy === undefined;

/** A turn over the WebSocket: the same body and the same handler of its events as the HTTP stream. */
const socketTurn = (req: ChatRequest, ctx: SendContext): SocketTurn =>
  new SocketTurn(ctx, { ...(ctx.responsesBody ?? req.responses_body), model: req.model }, responsesStreamHandler(ctx));

/** The whole answer over the WebSocket: the turn's events read through, its terminal event's response kept. */
async function socketAnswer(req: ChatRequest, ctx: SendContext): Promise<unknown> {
  const turn = socketTurn(req, ctx);
  for await (const _event of turn);
  return turn.final;
}

export async function sendResponses(req: ChatRequest, ctx: SendContext): Promise<ChatResponse> {
  const body = overSocket(ctx)
    ? await socketAnswer(req, ctx)
    : await callJson(ctx, {
        url: upstreamTarget(ctx.baseUrl, '/responses'),
        method: 'POST',
        headers: headers(ctx, 'application/json'),
        body: bodyFor(req, ctx, false),
      });
  const res = readAnswer(() => fromResponsesObject(body), ctx.provider);
  if (res && res.responses_object?.['status'] !== 'failed') return withModel(res, req);
  // A failed response, or an error object in a 200.
  const failed = isObj(body) && (isObj(body['error']) || body['status'] === 'failed');
  throw unreadAnswer(ctx, failed ? failureOf(body) : undefined, 'answer was not a Responses API response object');
}

/** Reads a Responses stream's events, from SSE or the WebSocket alike, into canonical events. */
export function responsesStreamHandler(ctx: SendContext): StreamHandler {
  const decoder = createResponsesStreamDecoder();
  return {
    onEvent(e) {
      const data = eventJson(e, ctx, 'invalid_event', 'stream event');
      if (!isObj(data)) return { events: [] };
      const type = typeof data['type'] === 'string' ? data['type'] : (e.event ?? '');
      if (type === 'error' || type === 'response.failed') {
        throw fromClassification(classifyStreamError(failureOf(data), callSecrets(ctx)), ctx.provider, {
          midStream: true,
        });
      }
      const events = decoder.push(e.event ?? type, data);
      // Its own bytes say what the relay would (gateway/wire/responses/stream.ts passOn) when its `event:` is its type.
      return { events, done: decoder.complete, verbatim: e.event === type ? RESPONSES_FRAME_KEY : undefined };
    },
    onEnd: () => (decoder.complete ? [] : undefined),
  };
}

export function streamResponses(req: ChatRequest, ctx: SendContext): AsyncIterable<StreamEvent> {
  if (overSocket(ctx)) return socketTurn(req, ctx);
  return streamCall(
    ctx,
    {
      url: upstreamTarget(ctx.baseUrl, '/responses'),
      method: 'POST',
      headers: headers(ctx, 'text/event-stream'),
      body: bodyFor(req, ctx, true),
    },
    responsesStreamHandler(ctx),
  );
}
