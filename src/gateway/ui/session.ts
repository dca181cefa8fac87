// The dashboard's login: a signed cookie (HMAC under a key derived from the admin key), so every worker and replica
// with the same admin key accepts it and changing the key logs everyone out; no session table. The CSRF token is
// derived from the cookie the same way, so an action needs both the cookie and a token only the page can read.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export const COOKIE = 'switchyard_ui';
/** How long a login lasts. */
export const SESSION_MS = 12 * 60 * 60 * 1000;

function keyFor(adminKey: string): Buffer {
  return createHmac('sha256', adminKey).update('switchyard-ui-session-v1').digest();
}

function mac(adminKey: string, text: string): string {
  return createHmac('sha256', keyFor(adminKey)).update(text).digest('base64url');
}

/** A new session cookie's value: expiry, nonce, signature. */
export function newSession(adminKey: string, now: number): string {
  const body = `${now + SESSION_MS}.${randomBytes(12).toString('base64url')}`;
  return `${body}.${mac(adminKey, body)}`;
}

/** Whether the cookie is one we signed and it has not expired. */
export function validSession(adminKey: string, value: string | undefined, now: number): boolean {
  if (value === undefined) return false;
  const i = value.lastIndexOf('.');
  if (i < 0) return false;
  const body = value.slice(0, i);
  const expires = Number(body.slice(0, body.indexOf('.')));
  if (!Number.isFinite(expires) || expires < now) return false;
  return sameText(value.slice(i + 1), mac(adminKey, body));
}

/** The token the page sends back as `x-csrf-token` with each action. */
export function csrfToken(adminKey: string, session: string): string {
  return mac(adminKey, `csrf.${session}`);
}

export function validCsrf(adminKey: string, session: string, token: string | undefined): boolean {
  return token !== undefined && sameText(token, csrfToken(adminKey, session));
}

function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
