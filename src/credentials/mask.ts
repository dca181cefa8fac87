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

/** Identity of a credential: a short, stable hash of the secret. Health is kept per fingerprint. */
export function fingerprint(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex').slice(0, 12);
}
