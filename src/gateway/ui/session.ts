// The dashboard's login: a signed cookie (HMAC under a key derived from the session secret: the admin key, or the SSO
// client's secret without one), so every worker and replica with the same secret accepts it and changing it logs
// everyone out; no session table. The cookie names who signed in and their role, so an action is checked and recorded
// without a lookup. The CSRF token is derived from the cookie the same way, so an action needs both the cookie and a
// token only the page can read.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { ROLES, type Role } from '../../config/sso.ts';

export const COOKIE = 'switchyard_ui';
/** How long an admin-key login lasts (an SSO one lasts `gateway.sso.session`). */
export const SESSION_MS = 12 * 60 * 60 * 1000;

/** Who a session is: the name the log and the audit give them, their role, and how they signed in (`admin_api`: the
 * admin key sent as a Bearer, no session). */
export interface Identity {
  who: string;
  role: Role;
  via: 'admin_key' | 'sso' | 'admin_api';
}

/** Whoever signs in with the admin key: every role's rights, as the key has over /admin/*. */
export const ADMIN_KEY_IDENTITY: Identity = { who: 'admin key', role: 'admin', via: 'admin_key' };
/** Whoever sends the admin key itself (scripts, the admin API). */
export const ADMIN_API_IDENTITY: Identity = { who: 'admin key', role: 'admin', via: 'admin_api' };

/** The ways into a session cookie. */
const VIAS: readonly Identity['via'][] = ['admin_key', 'sso'];

function keyFor(secret: string): Buffer {
  return createHmac('sha256', secret).update('switchyard-ui-session-v2').digest();
}

function mac(secret: string, text: string): string {
  return createHmac('sha256', keyFor(secret)).update(text).digest('base64url');
}

/** `text` with its signature, for the SSO sign-in's short-lived state cookie (sso.ts). */
export function signed(secret: string, text: string): string {
  return `${text}.${mac(secret, `flow.${text}`)}`;
}

/** What `signed` signed, or undefined for anything else. */
export function unsigned(secret: string, value: string | undefined): string | undefined {
  const i = value?.lastIndexOf('.') ?? -1;
  if (value === undefined || i < 0) return undefined;
  const text = value.slice(0, i);
  return sameText(value.slice(i + 1), mac(secret, `flow.${text}`)) ? text : undefined;
}

/** A new session cookie's value: expiry, nonce, how, role, who, signature. */
export function newSession(secret: string, identity: Identity, now: number, lifetimeMs = SESSION_MS): string {
  const who = Buffer.from(identity.who).toString('base64url');
  const body = `${now + lifetimeMs}.${randomBytes(12).toString('base64url')}.${identity.via}.${identity.role}.${who}`;
  return `${body}.${mac(secret, body)}`;
}

/** Who the cookie says, when it is one we signed and it has not expired. */
export function readSession(secret: string, value: string | undefined, now: number): Identity | undefined {
  if (value === undefined) return undefined;
  const parts = value.split('.');
  if (parts.length !== 6) return undefined;
  const [expires, , via, role, who, signature] = parts as [string, string, string, string, string, string];
  if (!sameText(signature, mac(secret, parts.slice(0, 5).join('.')))) return undefined;
  const until = Number(expires);
  if (!Number.isFinite(until) || until < now) return undefined;
  if (!VIAS.includes(via as Identity['via']) || !ROLES.includes(role as Role)) return undefined;
  return { who: Buffer.from(who, 'base64url').toString(), role: role as Role, via: via as Identity['via'] };
}

/** The token the page sends back as `x-csrf-token` with each action. */
export function csrfToken(secret: string, session: string): string {
  return mac(secret, `csrf.${session}`);
}

export function validCsrf(secret: string, session: string, token: string | undefined): boolean {
  return token !== undefined && sameText(token, csrfToken(secret, session));
}

function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
