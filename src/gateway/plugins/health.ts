// Liveness and readiness. A failing store leaves /readyz ready but `degraded`, since the gateway serves from memory and
// dropping out would turn a store problem into an outage; details go only to the admin key (docs/gateway.md#endpoints).
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { GatewayContext } from '../context.ts';
import { presentsAdminKey } from './admin-auth.ts';
import type { DegradedReason } from '../../state/types.ts';

interface StoreHealth {
  ok: boolean;
  lastError?: string;
  degraded?: boolean;
  degradedBy?: DegradedReason[];
}

function storeHealth(ctx: GatewayContext): StoreHealth {
  let health: StoreHealth;
  try {
    health = ctx.store.status();
  } catch (err) {
    health = { ok: false, lastError: err instanceof Error ? err.message : String(err) };
  }
  // The ledger's store being down degrades the gateway as a full disk does: it serves, rows wait in the spool or
  // in memory (usage_store, usage_spooling, usage_spool_full).
  const usage = ctx.usage?.degradedBy() ?? [];
  if (usage.length === 0) return health;
  return { ...health, degraded: true, degradedBy: [...(health.degradedBy ?? []), ...usage] };
}

/** The last reload, when one has happened; `error` (why it was refused, which names files) only for the admin key. */
function lastReload(ctx: GatewayContext, withError: boolean): Record<string, unknown> {
  const r = ctx.lastReload;
  if (r === undefined) return {};
  const at = new Date(r.at).toISOString();
  if (r.ok) return { last_reload: { ok: true, at } };
  return {
    last_reload: {
      ok: false,
      at,
      serving: 'the previous config',
      ...(withError && r.error !== undefined ? { error: r.error } : {}),
    },
  };
}

/** What the admin key adds: where the config came from, its last reload, and what the store last said (/readyz with
 * the admin key, and /admin/status). */
export function gatewayStatus(ctx: GatewayContext, store: StoreHealth = storeHealth(ctx)): Record<string, unknown> {
  return {
    config: {
      loaded: true,
      path: ctx.settings.loaded.path,
      loaded_at: new Date(ctx.settings.loaded.loadedAt).toISOString(),
      ...lastReload(ctx, true),
    },
    store: {
      ok: store.ok,
      kind: ctx.store.kind,
      ...degradation(store),
      ...(store.lastError ? { error: store.lastError } : {}),
    },
  };
}

/** `"degraded": true, "degraded_by": ["disk_full"]` while it applies; nothing otherwise. */
function degradation(store: StoreHealth): Record<string, unknown> {
  return store.degraded === true ? { degraded: true, degraded_by: store.degradedBy ?? [] } : {};
}

/** Local MCP servers that are down, waiting for a restart (a command not on PATH never comes up): still ready, since
 * chat is served and the other servers' tools are, but said, rather than ready with nothing to show for it. */
function mcpHealth(ctx: GatewayContext): Record<string, unknown> {
  const restarting = ctx.mcp.restarting();
  return restarting.length === 0 ? {} : { mcp: { ok: false, restarting } };
}

function readiness(ctx: GatewayContext, req: FastifyRequest): { ready: boolean; body: Record<string, unknown> } {
  const store = storeHealth(ctx);
  const ready = (store.ok || store.degraded === true) && !ctx.closing;
  const body: Record<string, unknown> = {
    status: ready ? 'ready' : 'not_ready',
    store: { ok: store.ok, ...degradation(store) },
    // A refused reload leaves the gateway ready (the previous config serves), but not as its config file says.
    ...(ctx.lastReload?.ok === false ? { config: lastReload(ctx, false) } : {}),
    ...mcpHealth(ctx),
    ...(presentsAdminKey(ctx, req) ? gatewayStatus(ctx, store) : {}),
    ...(ctx.closing ? { draining: true } : {}),
  };
  return { ready, body };
}

export function healthPlugin(ctx: GatewayContext) {
  return async function health(app: FastifyInstance): Promise<void> {
    // fastify answers HEAD for every GET route, with the GET's headers and no body.
    app.get('/', async () => ({ status: 'ok' }));
    app.get('/healthz', async () => ({ status: 'ok' }));
    // Kubernetes' name for liveness: the process answers, whatever its stores say (they are /readyz's).
    app.get('/livez', async () => ({ status: 'ok' }));
    app.get('/readyz', async (req, reply) => {
      const { ready, body } = readiness(ctx, req);
      return reply.code(ready ? 200 : 503).send(body);
    });
  };
}
