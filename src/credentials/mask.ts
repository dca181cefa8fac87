import { createHash } from 'node:crypto';

/**
 * Masks a secret as a recognisable prefix plus its last four characters (`sk-…a1b2`), per SPEC §2.
 * The prefix is only the part before the first dash-separated segment that looks random, at most 3 characters,
 * so nothing secret leaks through it. Short secrets show only their last characters.
 */
export function mask(secret: string): string {
  const last4 = secret.slice(-4);
  if (secret.length < 12) return `…${secret.slice(-2)}`;
  const prefix = /^[A-Za-z]{2,3}-/.exec(secret)?.[0] ?? '';
  return `${prefix}…${last4}`;
}

/** A URL with the password of its user-info replaced (`redis://user:***@host`); a lone user-info part is taken
 * for a password, as Redis URLs use it (`redis://secret@host`). Anything else is returned as it is. */
export function maskUrlPassword(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/)([^@/]*)@/i, (_m, scheme: string, auth: string) => {
    const colon = auth.indexOf(':');
    return `${scheme}${colon < 0 ? '***' : `${auth.slice(0, colon)}:***`}@`;
  });
}

/** A URL fit to show: the user-info masked as above, and every query-string value replaced with `***`
 * (`http://u:***@host/v1?key=***`), since providers that take a key in the URL put it there. Text that is not a
 * URL is returned with only its user-info masked. */
export function redactUrl(url: string): string {
  const noPassword = maskUrlPassword(url);
  const q = noPassword.indexOf('?');
  if (q < 0) return noPassword;
  const hash = noPassword.indexOf('#', q);
  const query = noPassword.slice(q + 1, hash < 0 ? undefined : hash);
  const masked = query.split('&').map((part) => (part.includes('=') ? `${part.slice(0, part.indexOf('='))}=***` : part === '' ? part : '***')).join('&');
  return `${noPassword.slice(0, q + 1)}${masked}${hash < 0 ? '' : noPassword.slice(hash)}`;
}

/** Identity of a credential: a short, stable hash of the secret. Health is kept per fingerprint. */
export function fingerprint(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex').slice(0, 12);
}
