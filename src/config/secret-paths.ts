// Which config values are secrets: never printed in full (`config show`), never echoed in an error message.
import type { ConfigPath } from './issue.ts';
import { isSecretHeader } from './header-values.ts';
import { redactUrl } from './mask.ts';

export { redactUrl };

/**
 * Whether the value at `path` is a secret: shown masked by `config show`, and as its type only in an error. A key
 * (`api_key`, `admin_key`, a task's `auxiliary.T.api_key`, an `oauth2:` client_secret or refresh_token), anything at or under `api_keys` (`api_keys: KEY` written
 * without a list is still a key), and every `headers:` value but the harmless few (src/credentials/header-values.ts:
 * gateways take keys in headers of any name), including `headers:` itself written as something other than a mapping.
 */
export function isSecretPath(path: ConfigPath): boolean {
  const last = path[path.length - 1];
  const parent = path[path.length - 2];
  if (last === 'api_key' || last === 'admin_key' || last === 'headers') return true;
  // An OAuth client's secret and refresh token (`oauth2:`).
  if (parent === 'oauth2' && (last === 'client_secret' || last === 'refresh_token')) return true;
  if (path.includes('api_keys')) return true;
  return parent === 'headers' && (typeof last !== 'string' || isSecretHeader(last));
}

/** Values that are URLs and may carry a password or a key in the query string: shown through `redactUrl`. */
export function isUrlPath(path: ConfigPath): boolean {
  const last = path[path.length - 1];
  return last === 'base_url' || last === 'proxy' || (path.length === 2 && path[0] === 'gateway' && last === 'state');
}
