// Liveness and readiness: /healthz says the process answers; /readyz says a config is loaded and the state store
// is healthy (what a load balancer should check before sending traffic). A shared store (Redis) that is unreachable
// leaves the gateway ready: it goes on with its own state (SPEC §7), and taking every replica out of the load
// balancer at once would turn a Redis outage into a gateway outage. /readyz says `degraded` instead.
import type { FastifyInstance } from 'fastify';
import type { GatewayContext } from '../context.ts';

export function healthPlugin(ctx: GatewayContext) {
  return async function health(app: FastifyInstance): Promise<void> {
    app.get('/healthz', async () => ({ status: 'ok' }));
    app.get('/readyz', async (_req, reply) => {
      let store: { ok: boolean; lastError?: string; degraded?: boolean };
      try {
        store = ctx.store.status();
      } catch (err) {
        store = { ok: false, lastError: err instanceof Error ? err.message : String(err) };
      }
      const ready = (store.ok || store.degraded === true) && !ctx.closing;
      return reply.code(ready ? 200 : 503).send({
        status: ready ? 'ready' : 'not_ready',
        config: { loaded: true, path: ctx.settings.loaded.path, loaded_at: new Date(ctx.settings.loaded.loadedAt).toISOString() },
        store: { ok: store.ok, kind: ctx.store.kind, ...(store.degraded ? { degraded: true } : {}), ...(store.lastError ? { error: store.lastError } : {}) },
        ...(ctx.closing ? { draining: true } : {}),
      });
    });
  };
}
