// POST /v1/messages — the Anthropic Messages API, streaming and not, behind the client-key check.
import type { FastifyInstance } from 'fastify';
import type { GatewayContext } from '../context.ts';
import { clientAuthHook } from '../plugins/client-auth.ts';
import { anthropicWire } from '../wire.ts';
import { serveChat, type WireBody } from './serve-chat.ts';
import { countTokensRoute } from './count-tokens.ts';
import { MODEL_FIELD_SCHEMA } from '../request/model-resolve.ts';

/** `max_tokens` is required by Anthropic's API but not here: the router applies a default when it is absent. */
export const anthropicBodySchema = {
  type: 'object',
  required: ['model', 'messages'],
  properties: {
    model: MODEL_FIELD_SCHEMA,
    messages: {
      type: 'array',
      minItems: 1,
      items: { type: 'object', required: ['role'], properties: { role: { type: 'string' } } },
    },
    max_tokens: { type: 'integer', minimum: 1 },
    stream: { type: 'boolean' },
  },
} as const;

export function anthropicPlugin(ctx: GatewayContext) {
  return async function anthropic(app: FastifyInstance): Promise<void> {
    app.addHook('onRequest', clientAuthHook(ctx));
    app.post<{ Body: WireBody }>('/v1/messages', { schema: { body: anthropicBodySchema } }, (req, reply) =>
      serveChat(ctx, anthropicWire, req, reply),
    );
    countTokensRoute(ctx, app, anthropicBodySchema);
  };
}
