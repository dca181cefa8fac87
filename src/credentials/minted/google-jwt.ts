// A Google service account's token request (RFC 7523 jwt-bearer, developers.google.com/identity/protocols/oauth2/
// service-account): a JWT signed RS256 with the key file's private key, `iss` the account's email, `aud` the file's
// token_uri, valid an hour. Signed with node:crypto: google-auth-library sends it to Google's endpoint only, so a
// key file's own token_uri (a private endpoint, the simulator) could not be honoured.
import { createPrivateKey, sign } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { MintError } from './mint-error.ts';
import type { OAuth2Spec } from './spec.ts';

export const JWT_BEARER_GRANT = 'urn:ietf:params:oauth:grant-type:jwt-bearer';

/** Google caps an assertion at an hour. */
const LIFETIME_S = 3600;

export interface Assertion {
  assertion: string;
  tokenUrl: string;
  /** Scrubbed from anything the endpoint answers. */
  privateKey: string;
}

const b64 = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');

interface KeyFile {
  client_email: string;
  private_key: string;
  private_key_id?: string;
  token_uri?: string;
}

async function readKeyFile(path: string, source: string): Promise<KeyFile> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new MintError(
      source,
      'read',
      `the service account key file ${path} cannot be read (${(err as NodeJS.ErrnoException).code ?? String(err)})`,
    );
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new MintError(source, 'format', `the service account key file ${path} is not JSON`);
  }
  const f = (typeof parsed === 'object' && parsed !== null ? parsed : {}) as Record<string, unknown>;
  if (f['type'] !== undefined && f['type'] !== 'service_account')
    throw new MintError(
      source,
      'format',
      `${path} is a ${String(f['type'])} credential, not a service account key (type: service_account)`,
    );
  if (typeof f['client_email'] !== 'string' || typeof f['private_key'] !== 'string')
    throw new MintError(source, 'format', `the service account key file ${path} has no client_email or private_key`);
  return {
    client_email: f['client_email'],
    private_key: f['private_key'],
    ...(typeof f['private_key_id'] === 'string' ? { private_key_id: f['private_key_id'] } : {}),
    ...(typeof f['token_uri'] === 'string' ? { token_uri: f['token_uri'] } : {}),
  };
}

/** The signed assertion for one token request, read from the key file as it is now. */
export async function serviceAccountAssertion(spec: OAuth2Spec, source: string, now: () => number): Promise<Assertion> {
  const file = await readKeyFile(spec.serviceAccountFile ?? '', source);
  const tokenUrl = file.token_uri ?? spec.tokenUrl;
  const iat = Math.floor(now() / 1000);
  const header = { alg: 'RS256', typ: 'JWT', ...(file.private_key_id ? { kid: file.private_key_id } : {}) };
  const claims = { iss: file.client_email, scope: spec.scope ?? '', aud: tokenUrl, iat, exp: iat + LIFETIME_S };
  const signing = `${b64(header)}.${b64(claims)}`;
  let signature: string;
  try {
    signature = sign('RSA-SHA256', Buffer.from(signing), createPrivateKey(file.private_key)).toString('base64url');
  } catch {
    throw new MintError(
      source,
      'format',
      `the private_key of ${spec.serviceAccountFile ?? ''} is not a usable RSA key`,
    );
  }
  return { assertion: `${signing}.${signature}`, tokenUrl, privateKey: file.private_key };
}
