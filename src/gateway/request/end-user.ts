// A request's end user (docs/security.md#end-users-behind-a-shared-key), read where its client key says: the `x-switchyard-user` header
// when the client-auth hook lets the request in, the body's field of its shape when serve-chat has it. A header the key
// does not take is refused, so a caller cannot pose as another user by setting it.
import type { FastifyRequest } from 'fastify';
import { storedUser, USER_HEADER, userProblem, type UserSource } from '../../calls/end-user.ts';
import type { GatewayKeyRecord } from '../../state/types.ts';
import { ApiError, type Api } from '../answer/api-error.ts';

/** What a client key says of its end users. */
export interface UserPolicy {
  from: UserSource;
  hash: boolean;
}

/** Where a request keeps its end user once read (request-state.ts: what it asks). */
export interface UserSlot {
  user?: string;
}

export function userPolicyOf(record: GatewayKeyRecord | undefined): UserPolicy | undefined {
  if (record?.user_from === undefined) return undefined;
  return { from: record.user_from, hash: record.user_hash === true };
}

/** The header's user, set on the request state; the refusal when its key does not take it or it is no user. */
export function headerUser(
  slot: UserSlot | null,
  keyName: string,
  policy: UserPolicy | undefined,
  headers: FastifyRequest['headers'],
): ApiError | undefined {
  const value = headers[USER_HEADER];
  if (value === undefined) return undefined;
  if (policy === undefined || policy.from === 'body')
    return new ApiError(
      'invalid_request',
      `the ${USER_HEADER} header names an end user, and client key "${keyName}" does not take the user from a header ${policy === undefined ? '(it reads no end user)' : '(it reads it from the body)'}: leave the header out, or use a key made with \`switchyard gateway keys create --user-from header\` (or both) behind a proxy that sets it`,
      { code: 'user_header_not_allowed' },
    );
  const one = Array.isArray(value) ? undefined : value.trim();
  const problem = one === undefined ? 'is sent more than once' : userProblem(one);
  if (problem !== undefined) return badUser(`the ${USER_HEADER} header`, problem);
  if (slot !== null) slot.user = storedUser(one!, policy.hash);
  return undefined;
}

/** The fields a shape names its end user in, first found wins: OpenAI's `safety_identifier` replaces its `user`. */
const BODY_FIELDS: Readonly<Record<Api, readonly (readonly string[])[]>> = {
  openai: [['safety_identifier'], ['user']],
  anthropic: [['metadata', 'user_id']],
};

/** The request's end user: the header's (already read), else the body's when the key takes it; throws when the body's
 * is no user (too long, unprintable). */
export function requestUser(
  slot: UserSlot,
  policy: UserPolicy | undefined,
  api: Api,
  body: unknown,
): string | undefined {
  if (slot.user !== undefined) return slot.user;
  if (policy === undefined || policy.from === 'header') return undefined;
  for (const path of BODY_FIELDS[api]) {
    const value = at(body, path);
    if (value === undefined || value === null) continue;
    const where = path.join('.');
    if (typeof value !== 'string') throw badUser(where, 'is not a string', where);
    const problem = userProblem(value);
    if (problem !== undefined) throw badUser(where, problem, where);
    return (slot.user = storedUser(value, policy.hash));
  }
  return undefined;
}

function at(body: unknown, path: readonly string[]): unknown {
  let v = body;
  for (const p of path) {
    if (typeof v !== 'object' || v === null) return undefined;
    v = (v as Record<string, unknown>)[p];
  }
  return v;
}

function badUser(where: string, problem: string, param?: string): ApiError {
  return new ApiError(
    'invalid_request',
    `the end user in ${where} ${problem}: an end user is 1 to 256 printable characters (an id, a name or an address)`,
    { code: 'invalid_user', ...(param !== undefined ? { param } : {}) },
  );
}
