// The jwt-bearer grant (RFC 7523) on the simulator's token endpoint, as Google's accepts a service account's signed
// assertion: RS256 over `header.payload`, `iss` the client, `aud` the token endpoint, `exp` at most an hour after
// `iat` and not passed. The signature is checked with the client's `public_key`, so a test proves the signing.
import { createPublicKey, verify } from 'node:crypto';
import type { Scenario } from '../../scenario.ts';

export const JWT_BEARER = 'urn:ietf:params:oauth:grant-type:jwt-bearer';

const part = (text: string | undefined): Record<string, unknown> | undefined => {
  try {
    const v: unknown = JSON.parse(Buffer.from(text ?? '', 'base64url').toString('utf8'));
    return typeof v === 'object' && v !== null ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
};

/** The client the assertion is signed for, or why it is refused. */
export function jwtBearerClient(
  scenario: Scenario,
  form: URLSearchParams,
  now: number,
): { id: string } | { refused: string } {
  const [h, p, s] = (form.get('assertion') ?? '').split('.');
  const header = part(h);
  const payload = part(p);
  if (header === undefined || payload === undefined || s === undefined) return { refused: 'Invalid JWT.' };
  if (header['alg'] !== 'RS256') return { refused: 'Invalid JWT: only RS256 is accepted.' };
  const iss = typeof payload['iss'] === 'string' ? payload['iss'] : '';
  const key = scenario.oauth2.clients[iss]?.public_key;
  if (key === undefined) return { refused: 'Invalid JWT Signature.' };
  const signed = verify('RSA-SHA256', Buffer.from(`${h}.${p}`), createPublicKey(key), Buffer.from(s, 'base64url'));
  if (!signed) return { refused: 'Invalid JWT Signature.' };
  const iat = Number(payload['iat']);
  const exp = Number(payload['exp']);
  const seconds = now / 1000;
  if (!(exp > seconds) || !(iat <= seconds + 60) || exp - iat > 3600)
    return { refused: 'Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe.' };
  if (typeof payload['scope'] !== 'string' || payload['scope'] === '') return { refused: 'Invalid JWT: no scope.' };
  return { id: iss };
}
