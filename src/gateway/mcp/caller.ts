// Who is calling /mcp, for the governor: the client key the client-auth hook resolved, and that key's MCP
// allow-list when the key record carries one (the `mcp` field the governance side adds).
import type { FastifyRequest } from 'fastify';
import type { GatewayContext } from '../context.ts';
import { presentedKey } from '../keys/keys.ts';
import type { McpAllowList, McpCaller } from '../../mcp/governor.ts';
import { failWith, guardFound } from '../request/request-state.ts';

/** Names that client-auth gives a request without a key of its own. */
const NO_KEY = new Set(['anonymous', 'none', 'invalid', 'unverified']);

export function mcpCaller(ctx: GatewayContext, req: FastifyRequest): McpCaller {
  const presented = presentedKey(req.headers);
  const record = presented === undefined ? undefined : ctx.keys.verify(presented);
  const state = req.sy;
  const name = state?.caller?.keyName;
  return {
    requestId: state?.arrival.id ?? '',
    keyName: name === undefined || NO_KEY.has(name) ? undefined : name,
    user: state?.asked.user,
    spanUser: ctx.settings.loaded.config.gateway.otel_end_user ? state?.asked.user : undefined,
    allow: record === undefined ? undefined : (record as { mcp?: McpAllowList }).mcp,
    // The call's outcome is the request's: a refused or failed call is said on its line, though JSON-RPC answers 200.
    onOutcome: (outcome) => {
      if (state && outcome !== 'ok') failWith(state, { outcome });
    },
    ...(record?.guard !== undefined ? { guard: record.guard } : {}),
    // What the guard found in a tool's result goes on the request's line and counter, as a chat request's does.
    onGuard: (findings) => {
      if (state) guardFound(state, findings);
    },
  };
}

/** A session stays with the key that opened it: another key's request is not that session's. */
export function keyIdOf(ctx: GatewayContext, req: FastifyRequest): string {
  const presented = presentedKey(req.headers);
  return (presented === undefined ? undefined : ctx.keys.verify(presented)?.id) ?? '';
}
