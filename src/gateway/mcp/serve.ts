// What /mcp answers (routes/mcp.ts registers it): negotiated per client, an `initialize` opens a 2025-11-25 session
// (the SDK's Server, session.ts); a request sent with `MCP-Protocol-Version: 2026-07-28` and no session is answered
// statelessly (stateless.ts), its `subscriptions/listen` with a stream of list changes (listen.ts); a request of a
// session goes to it. Loaded on the first request to /mcp: the MCP SDK costs a gateway without MCP clients ~8 MiB.
import type { FastifyReply, FastifyRequest } from 'fastify';
import { isInitializeRequest } from '@modelcontextprotocol/sdk/types.js';
import type { GatewayContext } from '../context.ts';
import { keyIdOf, mcpCaller } from './caller.ts';
import { carryCaller, openSession, type McpSession } from './session.ts';
import { answerStateless, STATELESS_REVISION } from './stateless.ts';
import { LISTEN_METHOD, serveListen, type ListenStream } from './listen.ts';
import { mcpFactsOf } from './request-facts.ts';
import { failWith } from '../request/request-state.ts';
import { requestOver } from '../records/request-end.ts';

/** What the gateway holds open for MCP clients: sessions by id, and listen streams. */
export interface OpenMcp {
  sessions: Map<string, McpSession>;
  listening: Set<ListenStream>;
}

function rpcError(reply: FastifyReply, status: number, message: string): FastifyReply {
  return reply.code(status).send({ jsonrpc: '2.0', id: null, error: { code: -32000, message } });
}

/** A reply the SDK's transport or a listen stream writes itself: Fastify's onResponse does not run for it, so
 * the request's line is written when its answer ends (a stream's, when the client leaves). */
function hijack(ctx: GatewayContext, req: FastifyRequest, reply: FastifyReply): void {
  reply.hijack();
  reply.raw.once('close', () => requestOver(ctx, req, reply.raw.statusCode));
}

/** One request to /mcp, answered by its session, statelessly, or refused saying what to send instead. */
export async function serveMcp(
  ctx: GatewayContext,
  open: OpenMcp,
  req: FastifyRequest,
  reply: FastifyReply,
): Promise<FastifyReply | undefined> {
  const { sessions, listening } = open;
  const hub = ctx.mcp;
  if (req.sy) req.sy.asked.mcp = mcpFactsOf(req.method, req.body);
  const sid = req.headers['mcp-session-id'];
  if (typeof sid === 'string') {
    const session = sessions.get(sid);
    // The SDK's answer to an unknown session is a 404, after which a client opens a new one.
    if (session === undefined || session.keyId !== keyIdOf(ctx, req))
      return rpcError(reply, 404, 'no such MCP session (it ended, or the gateway restarted): initialize again');
    carryCaller(req.raw, mcpCaller(ctx, req));
    hijack(ctx, req, reply);
    await session.transport.handleRequest(req.raw, reply.raw, req.body);
    return undefined;
  }
  if (req.method === 'POST' && isInitializeRequest(req.body)) {
    const session = await openSession(
      hub,
      keyIdOf(ctx, req),
      (id, s) => sessions.set(id, s),
      (id) => sessions.delete(id),
    );
    carryCaller(req.raw, mcpCaller(ctx, req));
    hijack(ctx, req, reply);
    await session.transport.handleRequest(req.raw, reply.raw, req.body);
    return undefined;
  }
  if (req.headers['mcp-protocol-version'] === STATELESS_REVISION) {
    if (req.method !== 'POST')
      return rpcError(reply, 405, `MCP ${STATELESS_REVISION} has no ${req.method} on /mcp: POST each request`);
    const listen = listenRequest(req);
    if (listen !== undefined) {
      hijack(ctx, req, reply);
      const stream: ListenStream = serveListen(hub, listen.id, listen.params, reply.raw, () =>
        listening.delete(stream),
      );
      listening.add(stream);
      return undefined;
    }
    const answer = await answerStateless(hub, mcpCaller(ctx, req), req.headers, req.body);
    // A JSON-RPC error answered 200 (a method not served) is still not `ok`; a call's own outcome is kept.
    const failed = Array.isArray(answer.body) || answer.body?.['error'] !== undefined;
    if (failed && req.sy && req.sy.failure === undefined) failWith(req.sy, { outcome: 'rpc_error' });
    if (answer.body === undefined) return reply.code(answer.status).send();
    return reply.code(answer.status).send(answer.body);
  }
  return rpcError(
    reply,
    400,
    `no MCP session: send initialize first (MCP 2025-11-25), or send each request with MCP-Protocol-Version: ${STATELESS_REVISION}`,
  );
}

/** A well-formed `subscriptions/listen` (an id, and an `Mcp-Method` header, if any, that agrees); anything else about
 * it is answered by answerStateless, as every other request is. */
function listenRequest(req: FastifyRequest): { id: string | number; params: Record<string, unknown> } | undefined {
  const body = req.body as { id?: unknown; method?: unknown; params?: unknown } | null;
  const routed = req.headers['mcp-method'];
  if (body?.method !== LISTEN_METHOD || (routed !== undefined && routed !== LISTEN_METHOD)) return undefined;
  if (typeof body.id !== 'string' && typeof body.id !== 'number') return undefined;
  const params =
    typeof body.params === 'object' && body.params !== null ? (body.params as Record<string, unknown>) : {};
  return { id: body.id, params };
}
