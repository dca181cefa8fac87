// The admin key (`gateway.admin_key`, usually `${SWITCHYARD_ADMIN_KEY}`) guards /admin/* and, when set, /metrics.
// Client keys never open these: only the admin key compares equal (constant time, on sha256 digests).
import type { FastifyRequest } from 'fastify';
import { ApiError } from '../api-error.ts';
import type { GatewayContext } from '../context.ts';
import { presentedKey, secretsEqual } from '../keys.ts';

/** `optional`: with no admin key configured the endpoint is open (used by /metrics); otherwise it is off (404). */
export function adminAuthHook(
  ctx: GatewayContext,
  mode: { optional: boolean },
): (req: FastifyRequest) => Promise<void> {
  return async (req) => {
    const adminKey = ctx.settings.adminKey;
    if (!adminKey) {
      if (mode.optional) return;
      throw new ApiError(
        'not_found',
        'the admin API is off: set gateway.admin_key (e.g. admin_key: ${SWITCHYARD_ADMIN_KEY}) to enable it',
        { code: 'admin_disabled' },
      );
    }
    const presented = presentedKey(req.headers);
    if (presented !== undefined && secretsEqual(presented, adminKey)) {
      if (req.sy) req.sy.keyName = 'admin';
      return;
    }
    throw refusal(ctx, req, presented);
  };
}

const HOW = 'send the admin key (gateway.admin_key) as `Authorization: Bearer …`';

/** No key or a wrong one is a 401; a working client key is a 403 (known, but not allowed here). */
function refusal(ctx: GatewayContext, req: FastifyRequest, presented: string | undefined): ApiError {
  if (presented === undefined) {
    if (req.sy) req.sy.keyName = 'none';
    return new ApiError('authentication', `missing admin key: ${HOW}`, { code: 'invalid_admin_key' });
  }
  const client = ctx.keys.verify(presented);
  if (client !== undefined) {
    if (req.sy) req.sy.keyName = 'not-admin';
    return new ApiError(
      'permission',
      `this endpoint needs the admin key; the key sent is client key "${client.name}", which opens /v1/* only: ${HOW}`,
      { code: 'admin_key_required' },
    );
  }
  if (req.sy) req.sy.keyName = 'invalid';
  return new ApiError('authentication', `invalid admin key: ${HOW}`, { code: 'invalid_admin_key' });
}

/** Whether the request carries the admin key (never true when none is configured): for endpoints open to all that
 * show the admin more (/readyz's details). */
export function presentsAdminKey(ctx: GatewayContext, req: FastifyRequest): boolean {
  const adminKey = ctx.settings.adminKey;
  if (!adminKey) return false;
  const presented = presentedKey(req.headers);
  return presented !== undefined && secretsEqual(presented, adminKey);
}
