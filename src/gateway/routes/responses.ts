// POST /v1/responses — the OpenAI Responses API, streaming and not, behind the client-key check. The conversation
// comes whole in `input` (what `store: false` clients, such as Codex, send anyway) or continues one the gateway
// recorded (`previous_response_id`: conversation-turn.ts), whose turns are read back and deleted as stored responses.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ApiError } from '../answer/api-error.ts';
import type { GatewayContext } from '../context.ts';
import { clientAuthHook } from '../plugins/client-auth.ts';
import { responsesCompactWire, responsesWire } from '../wire.ts';
import { serveChat, type WireBody } from './serve-chat.ts';
import { MODEL_FIELD_SCHEMA } from '../request/model-resolve.ts';
import type { RequestState } from '../request/request-state.ts';
import { deleteResponse, inputItemsPage, storedResponse } from '../conversations/stored-responses.ts';

/** The shape fastify checks before anything else runs; the translator validates the details. */
export const responsesBodySchema = {
  type: 'object',
  required: ['model', 'input'],
  properties: {
    model: MODEL_FIELD_SCHEMA,
    stream: { type: 'boolean' },
  },
} as const;

/** A compaction may name its conversation by `previous_response_id` alone, as OpenAI's does. */
const compactBodySchema = { ...responsesBodySchema, required: ['model'] } as const;

/** Cancelling needs a background response, which the gateway never runs: the 404 OpenAI gives for one it does not
 * know. */
function noBackgroundResponse(req: FastifyRequest<{ Params: { id: string } }>): never {
  throw new ApiError(
    'not_found',
    `Response with id '${req.params.id}' not found: the gateway runs no background responses to cancel`,
    { param: 'response_id' },
  );
}

type ById = FastifyRequest<{ Params: { id: string }; Querystring: Record<string, string | undefined> }>;

/** The client key's name as the record keeps it (`''` without one). */
const keyOf = (req: FastifyRequest): string => (req.sy as RequestState).caller?.keyName ?? '';

/** A stored response is read back whole: streaming it again (`stream=true`) is refused by name. */
function retrieve(ctx: GatewayContext, req: ById): Promise<unknown> {
  if (req.query['stream'] === 'true')
    throw new ApiError('invalid_request', 'stream: a stored response is read back whole; leave stream out', {
      param: 'stream',
      code: 'unsupported_parameter',
    });
  return storedResponse(ctx, keyOf(req), req.params.id, Date.now());
}

export function responsesPlugin(ctx: GatewayContext) {
  return async function responses(app: FastifyInstance): Promise<void> {
    app.addHook('onRequest', clientAuthHook(ctx));
    app.post<{ Body: WireBody }>('/v1/responses', { schema: { body: responsesBodySchema } }, (req, reply) =>
      serveChat(ctx, responsesWire, req, reply),
    );
    // A summary of the conversation, served as the `compression` task (wire/responses/compact.ts).
    app.post<{ Body: WireBody }>('/v1/responses/compact', { schema: { body: compactBodySchema } }, (req, reply) =>
      serveChat(ctx, responsesCompactWire, req, reply),
    );
    // What the conversation record kept, for the client key that made it (stored-responses.ts).
    app.get('/v1/responses/:id', (req: ById) => retrieve(ctx, req));
    app.delete('/v1/responses/:id', (req: ById) => deleteResponse(ctx, keyOf(req), req.params.id, Date.now()));
    app.get('/v1/responses/:id/input_items', (req: ById) =>
      inputItemsPage(ctx, keyOf(req), req.params.id, req.query, Date.now()),
    );
    app.post('/v1/responses/:id/cancel', noBackgroundResponse);
  };
}
