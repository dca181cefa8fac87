// POST /v1/chat/completions — the OpenAI API, streaming and not, behind the client-key check.
import type { FastifyInstance } from 'fastify';
import type { GatewayContext } from '../context.ts';
import { clientAuthHook } from '../plugins/client-auth.ts';
import { openaiWire } from '../wire.ts';
import { serveChat, type WireBody } from './serve-chat.ts';
import { MODEL_FIELD_SCHEMA } from '../request/model-resolve.ts';

/** The shape fastify checks before anything else runs (compiled, cheap); the translator validates the details. A
 * body with `input` and no `messages` is a Responses one (Cursor's: wire/chat-responses-body.ts), checked there. */
export const openaiBodySchema = {
  type: 'object',
  required: ['model'],
  properties: {
    model: MODEL_FIELD_SCHEMA,
    stream: { type: 'boolean' },
  },
  if: { required: ['input'], not: { required: ['messages'] } },
  else: {
    required: ['messages'],
    properties: {
      messages: {
        type: 'array',
        minItems: 1,
        items: { type: 'object', required: ['role'], properties: { role: { type: 'string' } } },
      },
    },
  },
} as const;

export function openaiPlugin(ctx: GatewayContext) {
  return async function openai(app: FastifyInstance): Promise<void> {
    app.addHook('onRequest', clientAuthHook(ctx));
    app.post<{ Body: WireBody }>('/v1/chat/completions', { schema: { body: openaiBodySchema } }, (req, reply) =>
      serveChat(ctx, openaiWire, req, reply),
    );
  };
}
