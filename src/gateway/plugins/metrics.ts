// GET /metrics in the Prometheus text format. Protected by the admin key when one is configured.
import type { FastifyInstance } from 'fastify';
import type { GatewayContext } from '../context.ts';
import { adminAuthHook } from './admin-auth.ts';

export function metricsPlugin(ctx: GatewayContext) {
  return async function metrics(app: FastifyInstance): Promise<void> {
    app.addHook('onRequest', adminAuthHook(ctx, { optional: true }));
    app.get('/metrics', async (_req, reply) => {
      const text = await ctx.metrics.text();
      return reply.type(ctx.metrics.contentType).send(text);
    });
  };
}
