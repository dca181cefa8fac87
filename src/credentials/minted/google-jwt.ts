// A Google credentials file's token request: a service account's (RFC 7523 jwt-bearer, developers.google.com/identity/
// protocols/oauth2/service-account: a JWT signed RS256 with the file's private key, `iss` the account's email, `aud`
// the file's token_uri, valid an hour), or Application Default Credentials' authorized user (its refresh token).
// Signed with node:crypto: google-auth-library sends it to Google's endpoint only, so a file's own token_uri (a
// private endpoint, the simulator) could not be honoured.
import { createPrivateKey, sign } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { MintError } from './mint-error.ts';
import type { OAuth2Spec } from './spec.ts';

export const JWT_BEARER_GRANT = 'urn:ietf:params:oauth:grant-type:jwt-bearer';

/** Google caps an assertion at an hour. */
const LIFETIME_S = 3600;

/** One token request: its form, where it goes, and what in it is secret (scrubbed from whatever comes back). */
export interface GoogleTokenRequest {
  form: URLSearchParams;
  tokenUrl: string;
  secrets: string[];
}

const b64 = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');

interface ServiceAccount {
  type: 'service_account';
  client_email: string;
  private_key: string;
  private_key_id?: string;
  token_uri?: string;
}

/** Application Default Credentials from `gcloud auth application-default login`: a user's refresh token. */
interface AuthorizedUser {
  type: 'authorized_user';
  client_id: string;
  client_secret: string;
  refresh_token: string;
  token_uri?: string;
}

type KeyFile = ServiceAccount | AuthorizedUser;

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
  const str = (k: string): string | undefined => (typeof f[k] === 'string' ? f[k] : undefined);
  const tokenUri = str('token_uri');
  if (f['type'] === 'authorized_user') {
    const [id, secret, refresh] = [str('client_id'), str('client_secret'), str('refresh_token')];
    if (id === undefined || secret === undefined || refresh === undefined)
      throw new MintError(source, 'format', `${path} has no client_id, client_secret or refresh_token`);
    return {
      type: 'authorized_user',
      client_id: id,
      client_secret: secret,
      refresh_token: refresh,
      ...(tokenUri !== undefined ? { token_uri: tokenUri } : {}),
    };
  }
  if (f['type'] !== undefined && f['type'] !== 'service_account')
    throw new MintError(
      source,
      'format',
      `${path} is a ${String(f['type'])} credential: expected a service account key or application default credentials`,
    );
  if (typeof f['client_email'] !== 'string' || typeof f['private_key'] !== 'string')
    throw new MintError(source, 'format', `the service account key file ${path} has no client_email or private_key`);
  return {
    type: 'service_account',
    client_email: f['client_email'],
    private_key: f['private_key'],
    ...(typeof f['private_key_id'] === 'string' ? { private_key_id: f['private_key_id'] } : {}),
    ...(tokenUri !== undefined ? { token_uri: tokenUri } : {}),
  };
}

/** The token request the file makes, read as it is now: a service account's signed assertion (jwt-bearer), or an
 * authorized user's refresh token. */
export async function googleTokenRequest(
  spec: OAuth2Spec,
  source: string,
  now: () => number,
): Promise<GoogleTokenRequest> {
  const file = await readKeyFile(spec.serviceAccountFile ?? '', source);
  const tokenUrl = file.token_uri ?? spec.tokenUrl;
  if (file.type === 'authorized_user') {
    const form = new URLSearchParams({
      grant_type: 'refresh_token',
      refresh_token: file.refresh_token,
      client_id: file.client_id,
      client_secret: file.client_secret,
    });
    return { form, tokenUrl, secrets: [file.refresh_token, file.client_secret] };
  }
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
  const assertion = `${signing}.${signature}`;
  return {
    form: new URLSearchParams({ grant_type: JWT_BEARER_GRANT, assertion }),
    tokenUrl,
    secrets: [assertion, file.private_key],
  };
}
