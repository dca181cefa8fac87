// Who is asking the dashboard or the admin API: the admin key as a Bearer, or a session cookie (session.ts) from a
// sign-in with the key or through SSO. One place for the secret the cookies are signed with, the cookie's own
// settings and the CSRF rule, so the key form and the SSO callback set the same cookie and /ui/api and /admin read it
// alike.
import type { FastifyReply, FastifyRequest } from 'fastify';
import { fastifyCookie } from '@fastify/cookie';
import { ApiError } from '../answer/api-error.ts';
import type { GatewayContext } from '../context.ts';
import { presentedKey, secretsEqual } from '../keys/keys.ts';
import { ADMIN_API_IDENTITY, COOKIE, newSession, readSession, validCsrf, type Identity } from './session.ts';

/** The session cookie's path: the dashboard and the admin API both read it. */
export const COOKIE_PATH = '/';

/** What signs the cookies: the admin key, or the SSO client's secret where no admin key is set; none (the dashboard
 * is off) without either. */
export function sessionSecret(ctx: GatewayContext): string | undefined {
  return ctx.settings.adminKey ?? ctx.settings.loaded.config.gateway.sso?.client_secret;
}

export interface Access {
  identity: Identity;
  /** The request came with the admin key itself (scripts, tests): no cookie, so no CSRF risk. */
  bearer: boolean;
  session?: string;
}

export function access(ctx: GatewayContext, req: FastifyRequest, now: number): Access | undefined {
  const secret = sessionSecret(ctx);
  if (secret === undefined) return undefined;
  const presented = presentedKey(req.headers);
  if (presented !== undefined) {
    const adminKey = ctx.settings.adminKey;
    return adminKey !== undefined && secretsEqual(presented, adminKey)
      ? { identity: ADMIN_API_IDENTITY, bearer: true }
      : undefined;
  }
  // Parsed here rather than by @fastify/cookie's hook, which only the dashboard's routes have.
  const header = req.headers.cookie;
  const session = header === undefined ? undefined : fastifyCookie.parse(header)[COOKIE];
  const identity = readSession(secret, session, now);
  return identity === undefined ? undefined : { identity, bearer: false, session: session! };
}

/** A form post or action from another site: its Origin, when the browser sends one, is not this gateway's (our pages
 * send `Referrer-Policy: same-origin`, so ours come with their origin; `null` is an opaque, foreign one). */
export function crossSite(req: FastifyRequest): boolean {
  if (req.headers['sec-fetch-site'] === 'cross-site') return true;
  const origin = req.headers.origin;
  if (origin === undefined) return false;
  const host = req.headers.host;
  return origin !== `http://${host}` && origin !== `https://${host}`;
}

/** A request that changes something on a session's cookie must also carry the page's CSRF token, from this site; the
 * admin key as a Bearer needs neither (no cookie, so no CSRF risk). */
export function checkCsrf(ctx: GatewayContext, req: FastifyRequest, a: Access): void {
  if (req.method === 'GET' || req.method === 'HEAD' || a.bearer) return;
  const token = req.headers['x-csrf-token'];
  if (crossSite(req) || !validCsrf(sessionSecret(ctx)!, a.session!, typeof token === 'string' ? token : undefined))
    throw new ApiError('permission', 'refused: missing or wrong CSRF token', { code: 'csrf' });
}

/** Signs `identity` in for `lifetimeMs`: HttpOnly, SameSite=Strict. */
export function setSession(
  ctx: GatewayContext,
  req: FastifyRequest,
  reply: FastifyReply,
  identity: Identity,
  lifetimeMs: number,
  now: number,
): void {
  reply.setCookie(COOKIE, newSession(sessionSecret(ctx)!, identity, now, lifetimeMs), {
    httpOnly: true,
    sameSite: 'strict',
    secure: req.protocol === 'https',
    path: COOKIE_PATH,
    maxAge: Math.floor(lifetimeMs / 1000),
  });
}
