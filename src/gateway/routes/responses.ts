// POST /v1/responses — the OpenAI Responses API, streaming and not, behind the client-key check. The conversation
// comes whole in `input` (what `store: false` clients, such as Codex, send anyway) or continues one the gateway
// recorded (`previous_response_id`: conversation-turn.ts); reading a stored response back answers 404.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ApiError } from '../api-error.ts';
import type { GatewayContext } from '../context.ts';
import { clientAuthHook } from '../plugins/client-auth.ts';
import { responsesCompactWire, responsesWire } from '../wire.ts';
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

/** Reading a response back (and what needs one stored: its input items, cancelling, deleting): the gateway keeps a
 * conversation's turns only to continue them, so each is the 404 OpenAI gives for an id it does not know. */
function noStoredResponse(req: FastifyRequest<{ Params: { id: string } }>): never {
  throw new ApiError(
    'not_found',
    `Response with id '${req.params.id}' not found: the gateway serves no stored responses (it keeps a conversation's turns only to continue them with previous_response_id)`,
    { param: 'response_id' },
  );
}

export function responsesPlugin(ctx: GatewayContext) {
  return async function responses(app: FastifyInstance): Promise<void> {
    app.addHook('onRequest', clientAuthHook(ctx));
    app.post<{ Body: WireBody }>('/v1/responses', { schema: { body: responsesBodySchema } }, (req, reply) =>
      serveChat(ctx, responsesWire, req, reply),
    );
    // A summary of the conversation, served as the `compression` task (wire/responses-compact.ts).
    app.post<{ Body: WireBody }>('/v1/responses/compact', { schema: { body: responsesBodySchema } }, (req, reply) =>
      serveChat(ctx, responsesCompactWire, req, reply),
    );
    app.get('/v1/responses/:id', noStoredResponse);
    app.delete('/v1/responses/:id', noStoredResponse);
    app.get('/v1/responses/:id/input_items', noStoredResponse);
    app.post('/v1/responses/:id/cancel', noStoredResponse);
  };
}
