// POST /v1/messages/count_tokens, estimated here (o200k) without an upstream call: the chain may not end at
// Anthropic, and a count should not spend a key's quota.
import type { FastifyInstance } from 'fastify';
import { ApiError } from '../answer/api-error.ts';
import type { GatewayContext } from '../context.ts';
import { checkModelName, resolveModel, unknownModelMessage } from '../request/model-resolve.ts';
import { anthropicWire } from '../wire.ts';
import type { WireBody } from './serve-chat.ts';

export function countTokensRoute(ctx: GatewayContext, app: FastifyInstance, bodySchema: object): void {
  app.post<{ Body: WireBody }>('/v1/messages/count_tokens', { schema: { body: bodySchema } }, async (req) => {
    checkModelName(req.body.model);
    const models = ctx.settings.models;
    if (!resolveModel(models, req.body.model)) {
      throw new ApiError('not_found', unknownModelMessage(models, req.body.model), {
        code: 'model_not_found',
        param: 'model',
      });
    }
    const { request } = anthropicWire.parse(req.body);
    // Loaded on first use: the tokenizer's tables take a moment to load and most gateways never count.
    const { estimateRequestTokensLater } = await import('../../sessions/tokens.ts');
    return { input_tokens: await estimateRequestTokensLater(request) };
  });
}
