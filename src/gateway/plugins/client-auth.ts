// Client-key authentication for /v1/*. With `require_keys: false`, only a direct local request gets in without a key:
// not one through a proxy or to another host name, which would open it to a proxy's users or DNS rebinding.
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { GatewayReply, GatewayRequest } from '../request/exchange.ts';
import { ApiError } from '../answer/api-error.ts';
import type { GuardMode } from '../../config/guard.ts';
import type { GatewayContext } from '../context.ts';
import { presentedKey } from '../keys/keys.ts';
import { isLoopback } from '../../config/listen.ts';
import { headerUser, userPolicyOf, type UserPolicy } from '../request/end-user.ts';
import type { Caller } from '../request/request-state.ts';

const HOW =
  'send a gateway key as `Authorization: Bearer sy-…` or `x-api-key: sy-…` (create one with `switchyard gateway keys create`)';

/** For a key that was sent: what to do, without naming the header. Claude Code replaces any 401 whose message
 * mentions `x-api-key` with its own "Invalid API key · Fix external API key", hiding the gateway's explanation. */
const WRONG_KEY =
  'this gateway did not issue the key sent, or it was revoked; use a key from `switchyard gateway keys create` (`switchyard gateway keys list` shows which exist)';

/** Who a request's key says it is, and the error to answer when it may not come in. Shared by the hook below and the
 * Responses WebSocket upgrade (responses-socket.ts), which checks the key before it switches protocols. */
export interface KeyVerdict {
  /** The key's name (`anonymous`, `none`, `invalid`, `unverified` when there is none to name). */
  keyName: string;
  /** The key's id, when one was verified: what the in-flight limit counts by. */
  id?: string;
  /** Where the key reads its requests' end user (end-user.ts). */
  users?: UserPolicy;
  /** The key's own secrets guard mode (`keys create --guard`), when it has one. */
  guard?: GuardMode;
  error?: ApiError;
}

export function clientKeyVerdict(ctx: GatewayContext, headers: FastifyRequest['headers']): KeyVerdict {
  const presented = presentedKey(headers);
  const record = presented === undefined ? undefined : ctx.keys.verify(presented);
  if (record) {
    const users = userPolicyOf(record);
    return {
      keyName: record.name,
      id: record.id,
      ...(users !== undefined ? { users } : {}),
      ...(record.guard !== undefined ? { guard: record.guard } : {}),
    };
  }
  if (!ctx.settings.requireKeys) {
    const notLocal = notFromThisMachine(headers);
    if (notLocal === undefined) return { keyName: 'anonymous' };
    return {
      keyName: 'none',
      error: new ApiError(
        'authentication',
        `require_keys is false, which lets in callers on this machine only, and ${notLocal}: ${HOW}`,
        { code: 'invalid_api_key' },
      ),
    };
  }
  if (presented !== undefined && !ctx.keys.known()) {
    // Not "invalid or revoked": the key may well be valid. A 503 with Retry-After, which SDKs retry by themselves.
    return {
      keyName: 'unverified',
      error: new ApiError(
        'unavailable',
        `this gateway cannot check client keys yet: it keeps them in shared state (gateway.state) that has not answered since it started; retry shortly — if it persists, check that Redis is up and reachable from here`,
        { code: 'gateway_keys_unavailable', retryAfterSeconds: 1 },
      ),
    };
  }
  return {
    keyName: presented === undefined ? 'none' : 'invalid',
    error: new ApiError(
      'authentication',
      presented === undefined ? `missing gateway key: ${HOW}` : `invalid or revoked gateway key: ${WRONG_KEY}`,
      { code: 'invalid_api_key' },
    ),
  };
}

/** The request's caller, as its key's verdict names it. */
function callerOf(verdict: KeyVerdict): Caller {
  return { keyName: verdict.keyName, userPolicy: verdict.users, keyGuard: verdict.guard };
}

/** Lets the request's caller in, or says why not: its key's verdict, its end user from a header, the key's in-flight
 * limit. The caller is named on the request's state either way. */
export function admitCaller(ctx: GatewayContext, req: GatewayRequest, reply: GatewayReply): ApiError | undefined {
  const verdict = clientKeyVerdict(ctx, req.headers);
  if (req.sy) req.sy.caller = callerOf(verdict);
  if (verdict.error !== undefined) return verdict.error;
  const badUser = headerUser(req.sy?.asked ?? null, verdict.keyName, verdict.users, req.headers);
  if (badUser !== undefined) return badUser;
  const limit = ctx.settings.maxInFlightPerKey;
  if (verdict.id !== undefined && limit !== undefined && !ctx.keyConcurrency.enter(verdict.id, limit, reply.raw))
    return tooManyInFlight(verdict.keyName, limit);
  return undefined;
}

/** Callback style (no promise per request): it runs on every API call. */
export function clientAuthHook(
  ctx: GatewayContext,
): (req: FastifyRequest, reply: FastifyReply, done: (err?: Error) => void) => void {
  return (req, reply, done) => done(admitCaller(ctx, req, reply));
}

/** 429 in the caller's shape: SDKs wait Retry-After and retry by themselves, by which time a place is usually free. */
function tooManyInFlight(name: string, limit: number): ApiError {
  return new ApiError(
    'rate_limit',
    `client key "${name}" already has ${limit} request${limit === 1 ? '' : 's'} in flight, the most gateway.max_in_flight_per_key allows; retry when one has finished, or raise the setting`,
    { code: 'too_many_requests_in_flight', retryAfterSeconds: 1 },
  );
}

/** Headers a proxy adds: a request carrying one was passed on from somewhere else. */
const FORWARDING_HEADERS = ['forwarded', 'x-forwarded-for', 'x-real-ip'] as const;

/** Why a keyless request is not from this machine as itself, or undefined when it is. */
export function notFromThisMachine(headers: FastifyRequest['headers']): string | undefined {
  const forwarded = FORWARDING_HEADERS.find((h) => headers[h] !== undefined);
  if (forwarded !== undefined) return `this request came through a proxy (it carries ${forwarded})`;
  const host = hostName(headers.host ?? '');
  if (!isLoopback(host))
    return `this request is addressed to ${JSON.stringify(host.slice(0, 100))}, not to this machine's loopback address`;
  return undefined;
}

/** `127.0.0.1:4141` → `127.0.0.1`, `[::1]:4141` → `::1`, `localhost` → `localhost`. */
function hostName(host: string): string {
  if (host.startsWith('[')) return host.slice(1, host.indexOf(']') === -1 ? undefined : host.indexOf(']'));
  const colon = host.lastIndexOf(':');
  return colon === -1 || host.indexOf(':') !== colon ? host : host.slice(0, colon);
}
