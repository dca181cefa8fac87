// GET /v1/models and /v1/models/{id}: tasks, alias names and known `provider/model`s, in Anthropic's shape when the
// caller sends `anthropic-version`, else OpenAI's.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ApiError } from '../answer/api-error.ts';
import type { GatewayContext } from '../context.ts';
import { clientAuthHook } from '../plugins/client-auth.ts';
import { apiOf } from '../plugins/errors.ts';
import { patternAlias } from '../request/model-aliases.ts';

type ModelObject = Record<string, unknown> & { id: string };

function modelObjects(ctx: GatewayContext, req: FastifyRequest, ids = listedIds(ctx)): ModelObject[] {
  const { tasks, listed } = ctx.settings.models;
  const created = Math.floor(ctx.settings.loaded.loadedAt / 1000);
  if (apiOf(req) === 'anthropic') {
    const createdAt = new Date(created * 1000).toISOString();
    return ids.map((id) => ({ type: 'model', id, display_name: id, created_at: createdAt }));
  }
  // A task or an alias is the gateway's own name; a listed model is its provider's.
  return ids.map((id) => ({
    id,
    object: 'model',
    created,
    owned_by: listed.includes(id) && !tasks.includes(id) ? id.split('/')[0] : 'switchyard',
  }));
}

function listedIds(ctx: GatewayContext): string[] {
  const { tasks, aliases, listed } = ctx.settings.models;
  return [...new Set([...tasks, ...aliases.exact.keys(), ...listed])];
}

function idParam(req: FastifyRequest): string {
  const raw = (req.params as { '*'?: string })['*'] ?? '';
  try {
    return decodeURIComponent(raw);
  } catch {
    return raw;
  }
}

export function modelsPlugin(ctx: GatewayContext) {
  return async function models(app: FastifyInstance): Promise<void> {
    app.addHook('onRequest', clientAuthHook(ctx));
    app.get('/v1/models', async (req) => {
      const data = modelObjects(ctx, req);
      if (apiOf(req) === 'anthropic')
        return { data, has_more: false, first_id: data[0]?.id ?? null, last_id: data.at(-1)?.id ?? null };
      return { object: 'list', data };
    });
    app.get('/v1/models/*', async (req) => {
      const id = idParam(req);
      const found =
        modelObjects(ctx, req).find((m) => m.id === id) ??
        (patternAlias(ctx.settings.models.aliases, id) ? modelObjects(ctx, req, [id])[0] : undefined);
      if (!found)
        throw new ApiError(
          'not_found',
          `no model "${id}" here: GET /v1/models lists the tasks and provider/model names this gateway serves`,
          { code: 'model_not_found', param: 'model' },
        );
      return found;
    });
  };
}
