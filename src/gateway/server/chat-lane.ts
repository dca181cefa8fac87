// The chat lane: the chat endpoints agents call on every turn (POST /v1/chat/completions, /v1/messages and
// /v1/responses) served straight from node's server, without fastify's routing, request and reply objects, hook runners
// and content-type machinery, 3–5 % of a small request's CPU (bench/README.md, "The chat lane"). Each step is the one
// fastify's route runs, in its order: the request's start (request-log.ts), client auth, the JSON body, the route's
// schema (body-shape.ts), serveChat, answerError for anything thrown, and the record once the answer is finished.
// Anything out of the plain (another method or path, a trailing slash, `Expect`, a compressed body, a content type
// other than JSON's usual forms, a gateway shutting down) is left to fastify, which answers it as it always has.
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { scrubSecrets, type Logger } from '../../log.ts';
import type { GatewayContext } from '../context.ts';
import { anthropicWire, openaiWire, responsesWire, type WireApi } from '../wire.ts';
import { openaiBodySchema } from '../routes/chat-completions.ts';
import { anthropicBodySchema } from '../routes/messages.ts';
import { responsesBodySchema } from '../routes/responses.ts';
import { bodyCheck, chatFits, messagesFits, responsesFits, type BodyCheck } from '../request/body-shape.ts';
import { closeRequest, logHangUp, openRequest } from '../plugins/request-log.ts';
import { admitCaller } from '../plugins/client-auth.ts';
import { readJsonBody } from '../request/json-body.ts';
import { answerError } from '../plugins/errors.ts';
import { serveChat } from '../routes/serve-chat.ts';
import { pathOf } from '../request/chat-paths.ts';
import { LaneReply, LaneRequest } from './lane-exchange.ts';
import type { GatewayServer } from '../request/exchange.ts';

/** Serves the request and says true, or says false and leaves it to fastify. */
export type Lane = (req: IncomingMessage, res: ServerResponse) => boolean;

export interface ChatLaneOptions {
  ctx: GatewayContext;
  logger: Logger;
  /** The server's (app.ts): fastify's parser reads bodies under the same. */
  bodyLimit: number;
  /** The server the lane serves on, once made: its idle connections are closed while shutting down. */
  server: () => Server;
}

interface LaneRoute {
  wire: WireApi;
  check: BodyCheck;
}

/** The content types sent by the SDKs and agents; any other form of JSON's goes through fastify's own matching. */
const PLAIN_JSON: ReadonlySet<string> = new Set([
  'application/json',
  'application/json; charset=utf-8',
  'application/json;charset=utf-8',
]);

export function chatLane(options: ChatLaneOptions): Lane {
  const routes = new Map<string, LaneRoute>([
    ['/v1/chat/completions', { wire: openaiWire, check: bodyCheck(chatFits, openaiBodySchema) }],
    ['/v1/messages', { wire: anthropicWire, check: bodyCheck(messagesFits, anthropicBodySchema) }],
    ['/v1/responses', { wire: responsesWire, check: bodyCheck(responsesFits, responsesBodySchema) }],
  ]);
  const server: GatewayServer = { gateway: options.ctx };
  const bodyOptions = { bodyLimit: options.bodyLimit };
  return (raw, res) => {
    const route = laneRoute(options.ctx, routes, raw);
    if (route === undefined) return false;
    serveOnLane(options, route, new LaneRequest(raw, server, bodyOptions), new LaneReply(res, server));
    return true;
  };
}

/** The route of a plain chat request, or undefined for fastify. */
function laneRoute(
  ctx: GatewayContext,
  routes: ReadonlyMap<string, LaneRoute>,
  raw: IncomingMessage,
): LaneRoute | undefined {
  if (raw.method !== 'POST' || ctx.closing) return undefined;
  // A query is read by no chat route (Claude Code sends `/v1/messages?beta=true`).
  const route = routes.get(pathOf(raw));
  if (route === undefined) return undefined;
  const headers = raw.headers;
  if (!PLAIN_JSON.has(headers['content-type'] ?? '')) return undefined;
  if (headers.expect !== undefined || headers['content-encoding'] !== undefined) return undefined;
  return route;
}

function serveOnLane(options: ChatLaneOptions, route: LaneRoute, req: LaneRequest, reply: LaneReply): void {
  const { ctx, bodyLimit } = options;
  const res = reply.raw;
  // fastify's onResponse: a finished answer (not a hang-up, which serve-chat logs).
  const finished = (): void => {
    res.off('finish', finished);
    res.off('error', finished);
    closeRequest(ctx, options.server(), req, res.statusCode);
  };
  res.on('finish', finished);
  res.on('error', finished);
  const fail = (err: unknown): void => failOnLane(options, req, reply, err);
  openRequest(ctx, req, reply);
  const refused = admitCaller(ctx, req, reply);
  if (refused !== undefined) return fail(refused);
  readJsonBody(req, req.raw, bodyLimit, (err, body) => {
    if (err !== null) {
      // As fastify's parser does: the caller may still be sending the rest of a body that was refused.
      reply.header('connection', 'close');
      return fail(err);
    }
    req.body = body;
    const invalid = route.check(body);
    if (invalid !== undefined) return fail(invalid);
    serveChat(ctx, route.wire, req, reply).then(
      (answer) => {
        // A stream was written by serve-chat itself (the reply hijacked).
        if (reply.sent) return;
        try {
          reply.send(answer);
        } catch (sendErr) {
          fail(sendErr);
        }
      },
      // Once the reply went out there is nobody to tell, as with fastify.
      (callErr: unknown) => reply.sent || fail(callErr),
    );
  });
}

/** answerError, as fastify's error handler; should that itself fail, a plain 500. */
function failOnLane(options: ChatLaneOptions, req: LaneRequest, reply: LaneReply, err: unknown): void {
  const { ctx, logger } = options;
  try {
    answerError(err, req, reply, logger, (r) => logHangUp(ctx, r));
  } catch (handlerErr) {
    logger.error(
      { err: { message: scrubSecrets(String((handlerErr as Error).message)) } },
      'the chat lane could not answer an error',
    );
    if (!reply.sent) reply.code(500).send({ error: { message: 'internal gateway error; see the gateway log' } });
  }
}
