// The admin key (`gateway.admin_key`, usually `${SWITCHYARD_ADMIN_KEY}`) guards /admin/* and, when set, /metrics; a
// person signed in to the dashboard (its session cookie, ui/access.ts) may use them too, an action needing the page's
// CSRF token and a role that may take it (checked by the route, ui/roles.ts). Client keys never open these: only the
// admin key compares equal (constant time, on sha256 digests).
import type { FastifyRequest } from 'fastify';
import { ApiError } from '../answer/api-error.ts';
import type { GatewayContext } from '../context.ts';
import { presentedKey, secretsEqual } from '../keys/keys.ts';
import { access, checkCsrf } from '../ui/access.ts';
import { ADMIN_API_IDENTITY, type Identity } from '../ui/session.ts';
import { namedCaller } from '../request/request-state.ts';

/** Who each admin request is, for a route's role check and audit: a signed-in person, or the admin key. */
const identities = new WeakMap<FastifyRequest, Identity>();

export function adminIdentity(req: FastifyRequest): Identity {
  return identities.get(req) ?? ADMIN_API_IDENTITY;
}

/** A dashboard session on a request that sends no key. */
function signedIn(ctx: GatewayContext, req: FastifyRequest): boolean {
  if (presentedKey(req.headers) !== undefined) return false;
  const a = access(ctx, req, Date.now());
  if (a === undefined) return false;
  checkCsrf(ctx, req, a);
  identities.set(req, a.identity);
  if (req.sy) req.sy.caller = namedCaller('dashboard');
  return true;
}

/** `optional`: with no admin key configured the endpoint is open (used by /metrics); otherwise it is off (404). */
export function adminAuthHook(
  ctx: GatewayContext,
  mode: { optional: boolean },
): (req: FastifyRequest) => Promise<void> {
  return async (req) => {
    if (signedIn(ctx, req)) return;
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
      if (req.sy) req.sy.caller = namedCaller('admin');
      return;
    }
    throw refusal(ctx, req, presented);
  };
}

const HOW = 'send the admin key (gateway.admin_key) as `Authorization: Bearer …`';

/** No key or a wrong one is a 401; a working client key is a 403 (known, but not allowed here). */
function refusal(ctx: GatewayContext, req: FastifyRequest, presented: string | undefined): ApiError {
  if (presented === undefined) {
    if (req.sy) req.sy.caller = namedCaller('none');
    return new ApiError('authentication', `missing admin key: ${HOW}`, { code: 'invalid_admin_key' });
  }
  const client = ctx.keys.verify(presented);
  if (client !== undefined) {
    if (req.sy) req.sy.caller = namedCaller('not-admin');
    return new ApiError(
      'permission',
      `this endpoint needs the admin key; the key sent is client key "${client.name}", which opens /v1/* only: ${HOW}`,
      { code: 'admin_key_required' },
    );
  }
  if (req.sy) req.sy.caller = namedCaller('invalid');
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
