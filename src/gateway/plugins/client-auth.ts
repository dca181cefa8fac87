// Client-key authentication for /v1/*: `Authorization: Bearer sy-…` (OpenAI SDK) or `x-api-key: sy-…` (Anthropic
// SDK), checked against the in-memory key cache in constant time. With `gateway.require_keys: false` (loopback
// only; enforced at start) any request is let in.
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ApiError } from '../api-error.ts';
import type { GatewayContext } from '../context.ts';
import { presentedKey } from '../keys.ts';

const HOW = 'send a gateway key as `Authorization: Bearer sy-…` or `x-api-key: sy-…` (create one with `switchyard gateway keys create`)';

/** Callback style (no promise per request): it runs on every API call. */
export function clientAuthHook(ctx: GatewayContext): (req: FastifyRequest, reply: FastifyReply, done: (err?: Error) => void) => void {
  return (req, _reply, done) => {
    const presented = presentedKey(req.headers);
    const record = presented === undefined ? undefined : ctx.keys.verify(presented);
    if (record) {
      if (req.sy) req.sy.keyName = record.name;
      return done();
    }
    if (!ctx.settings.requireKeys) {
      if (req.sy) req.sy.keyName = 'anonymous';
      return done();
    }
    if (req.sy) req.sy.keyName = presented === undefined ? 'none' : 'invalid';
    done(new ApiError(
      'authentication',
      presented === undefined ? `missing gateway key: ${HOW}` : `invalid or revoked gateway key: ${HOW}`,
      { code: 'invalid_api_key' },
    ));
  };
}
