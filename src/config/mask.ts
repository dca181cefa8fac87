// How secrets are shown and named: masked keys, URLs fit to show, and the fingerprint health is kept by.
import { createHash } from 'node:crypto';

/** A short prefix and the last four characters (`sk-…a1b2`); the prefix is at most three letters, so nothing secret
 * leaks through it (docs/credentials.md#fingerprints-and-masking). */
export function mask(secret: string): string {
  // AWS keys as Bedrock takes them (`ACCESS_KEY_ID:SECRET[:SESSION_TOKEN]`) are named by their access key id, which
  // is not secret; nothing of the secret or the session token is shown.
  const aws = AWS_KEYS.exec(secret);
  if (aws !== null) return `${aws[1]}…${aws[2]}`;
  const last4 = secret.slice(-4);
  if (secret.length < 12) return `…${secret.slice(-2)}`;
  const prefix = /^[A-Za-z]{2,3}-/.exec(secret)?.[0] ?? '';
  return `${prefix}…${last4}`;
}

const AWS_KEYS = /^(A[KS]IA)[A-Z0-9]{8,}([A-Z0-9]{4}):[^:]+(?::[^:]+)?$/;

/** A URL with the password of its user-info replaced (`redis://user:***@host`); a lone user-info part is taken
 * for a password, as Redis URLs use it (`redis://secret@host`). Anything else is returned as it is. */
export function maskUrlPassword(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/)([^@/]*)@/i, (_m, scheme: string, auth: string) => {
    const colon = auth.indexOf(':');
    return `${scheme}${colon < 0 ? '***' : `${auth.slice(0, colon)}:***`}@`;
  });
}

/** A date, alone or with a tag (`2024-06-01`, `2024-06-01-preview`): an API version, never a key. */
const DATE_VALUE = /^\d{4}-\d{2}-\d{2}(?:-[A-Za-z]+)?$/;

/** Whether a URL's query value is a secret: all but empty ones and dates, whatever the name (some proxies take a key
 * as `?api-version=KEY`). Upstream scrubbing uses it too, where blanking dates would blank every date errors quote. */
export function isSecretQueryValue(value: string): boolean {
  return value !== '' && !DATE_VALUE.test(value);
}

/** A URL fit to show (`http://u:***@host/v1?key=***`): providers that take a key in the URL put it in the query. */
export function redactUrl(url: string): string {
  const noPassword = maskUrlPassword(url);
  const q = noPassword.indexOf('?');
  if (q < 0) return noPassword;
  const hash = noPassword.indexOf('#', q);
  const query = noPassword.slice(q + 1, hash < 0 ? undefined : hash);
  const masked = query.split('&').map(maskQueryPart).join('&');
  return `${noPassword.slice(0, q + 1)}${masked}${hash < 0 ? '' : noPassword.slice(hash)}`;
}

/** `name=value` with a secret value as `name=***`; a part with no `=` is all value. */
function maskQueryPart(part: string): string {
  const eq = part.indexOf('=');
  const value = eq < 0 ? part : part.slice(eq + 1);
  if (!isSecretQueryValue(value)) return part;
  return eq < 0 ? '***' : `${part.slice(0, eq)}=***`;
}

/** Identity of a credential: a short, stable hash of the secret. Health is kept per fingerprint. */
export function fingerprint(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex').slice(0, 12);
}
