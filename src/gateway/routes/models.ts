// GET /v1/models — the tasks, then `provider/model` for every model the config knows. Answered in the Anthropic
// list shape when the caller sends `anthropic-version` (the Anthropic SDK's models.list()), else OpenAI's.
import type { FastifyInstance } from 'fastify';
import type { GatewayContext } from '../context.ts';
import { clientAuthHook } from '../plugins/client-auth.ts';
import { apiOf } from '../plugins/errors.ts';

export function modelsPlugin(ctx: GatewayContext) {
  return async function models(app: FastifyInstance): Promise<void> {
    app.addHook('onRequest', clientAuthHook(ctx));
    app.get('/v1/models', async (req) => {
      const { tasks, listed } = ctx.settings.models;
      const ids = [...tasks, ...listed];
      const created = Math.floor(ctx.settings.loaded.loadedAt / 1000);
      if (apiOf(req) === 'anthropic') {
        const data = ids.map((id) => ({ type: 'model', id, display_name: id, created_at: new Date(created * 1000).toISOString() }));
        return { data, has_more: false, first_id: data[0]?.id ?? null, last_id: data.at(-1)?.id ?? null };
      }
      return { object: 'list', data: ids.map((id) => ({ id, object: 'model', created, owned_by: tasks.includes(id) ? 'switchyard' : id.split('/')[0] })) };
    });
  };
}
