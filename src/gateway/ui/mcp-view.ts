// The MCP view's data: each server behind /mcp as the dashboard shows it — its transport, where its connection stands
// (a stdio child crash-looping said as such, with its restarts and last error), its tools, and its keys masked with
// their health, as the Keys view shows a provider's.
import type { CandidateStatus } from '../../credentials/types.ts';
import { usability } from '../../credentials/health.ts';
import { candidateStatus } from '../../credentials/scoped-health.ts';
import { visibleCredential } from '../../credentials/resolution-cache.ts';
import { emptyHealth } from '../../state/merge.ts';
import type { UpstreamState } from '../../mcp/upstream.ts';
import { healthName } from '../../mcp/credentials.ts';
import type { GatewayContext } from '../context.ts';
import { candidateView } from '../plugins/admin.ts';

export interface McpServerView {
  server: string;
  transport: 'remote' | 'stdio';
  state: UpstreamState;
  /** A stdio child's restarts since the gateway started it. */
  restarts: number | null;
  last_error: { message: string; at: string } | null;
  /** Known once the server has listed its tools (null: not connected, or it did not answer). */
  tools: number | null;
  keys: ReturnType<typeof candidateView>[];
}

/** The longest the view waits for a connected server to list its tools: the page must not hang on one server. */
const TOOL_COUNT_LIMIT_MS = 2_000;

function keyStatuses(ctx: GatewayContext, server: string, now: number): CandidateStatus[] {
  return ctx.mcp.credentials.credentials(server).map((c) => {
    const health = ctx.store.getHealth(c.fingerprint) ?? emptyHealth(c.fingerprint, healthName(server));
    return candidateStatus(visibleCredential(c), health, usability(health, now));
  });
}

export async function mcpView(ctx: GatewayContext, now: number): Promise<McpServerView[]> {
  return Promise.all(
    ctx.mcp.servers.map(async (server) => {
      const status = ctx.mcp.upstream(server)!.status();
      return {
        server,
        transport: status.transport,
        state: status.state,
        restarts: status.restarts ?? null,
        last_error:
          status.lastError !== undefined
            ? { message: status.lastError.message, at: new Date(status.lastError.at).toISOString() }
            : null,
        tools: (await ctx.mcp.toolCount(server, TOOL_COUNT_LIMIT_MS)) ?? null,
        keys: keyStatuses(ctx, server, now).map((c) => candidateView(c, now)),
      };
    }),
  );
}
