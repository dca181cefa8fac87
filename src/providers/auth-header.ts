// How a key is sent upstream (`auth: { header, scheme }`, docs/credentials.md): by default an openai provider sends
// `authorization: Bearer KEY` and an anthropic provider `x-api-key: KEY`; Azure OpenAI reads `api-key`, and gateways
// in front of a provider read headers of their own. One place decides it for every call (send, stream, list models).
import type { AuthConfig, ProviderType } from '../config/schema.ts';

/** The header a key goes in (lower case) and whether `Bearer ` goes before it. */
export interface AuthHeader {
  header: string;
  scheme: 'Bearer' | 'none';
}

const DEFAULTS: Readonly<Record<ProviderType, AuthHeader>> = {
  openai: { header: 'authorization', scheme: 'Bearer' },
  anthropic: { header: 'x-api-key', scheme: 'none' },
  // An Entra ID token goes as `auth: { header: authorization }` instead.
  azure: { header: 'api-key', scheme: 'none' },
  gemini: { header: 'x-goog-api-key', scheme: 'none' },
  // A Google access token (google_credentials, or any minted source).
  vertex: { header: 'authorization', scheme: 'Bearer' },
  // Signed with SigV4 instead, unless the key is a Bedrock API key (bedrock/adapter.ts).
  bedrock: { header: 'authorization', scheme: 'Bearer' },
};

/** The provider's `auth:` with its type's defaults filled in: a header named without a scheme takes Bearer only
 * when it is `authorization`. */
export function authHeaderFor(type: ProviderType, auth: AuthConfig | undefined): AuthHeader {
  if (auth === undefined) return DEFAULTS[type];
  const header = auth.header?.toLowerCase() ?? DEFAULTS[type].header;
  const scheme =
    auth.scheme ?? (auth.header === undefined ? DEFAULTS[type].scheme : header === 'authorization' ? 'Bearer' : 'none');
  return { header, scheme };
}

/** `{ authorization: 'Bearer KEY' }`, `{ 'api-key': 'KEY' }`. */
export function authHeaders(auth: AuthHeader, key: string): Record<string, string> {
  return { [auth.header]: auth.scheme === 'Bearer' ? `Bearer ${key}` : key };
}
