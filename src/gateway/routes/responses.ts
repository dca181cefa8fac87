// POST /v1/responses — the OpenAI Responses API, streaming and not, behind the client-key check. Stateless: the
// conversation comes whole in `input` (what `store: false` clients, such as Codex, send anyway).
import type { FastifyInstance } from 'fastify';
import type { GatewayContext } from '../context.ts';
import { clientAuthHook } from '../plugins/client-auth.ts';
import { responsesWire } from '../wire.ts';
import { serveChat, type WireBody } from './serve-chat.ts';
import { MODEL_FIELD_SCHEMA } from '../model-resolve.ts';

/** The shape fastify checks before anything else runs; the translator validates the details. */
export const responsesBodySchema = {
  type: 'object',
  required: ['model', 'input'],
  properties: {
    model: MODEL_FIELD_SCHEMA,
    stream: { type: 'boolean' },
  },
} as const;

export function responsesPlugin(ctx: GatewayContext) {
  return async function responses(app: FastifyInstance): Promise<void> {
    app.addHook('onRequest', clientAuthHook(ctx));
    app.post<{ Body: WireBody }>('/v1/responses', { schema: { body: responsesBodySchema } }, (req, reply) => serveChat(ctx, responsesWire, req, reply));
  };
}
