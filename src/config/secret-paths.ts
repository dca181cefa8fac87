// Which config values are secrets: never printed in full (`config show`), never echoed in an error message.
import type { ConfigPath } from './issue.ts';
import { isSecretHeader } from './header-values.ts';
import { redactUrl } from './mask.ts';

export { redactUrl };

/** Whether the value at `path` is a secret, masked in output and only typed in errors: keys, anything under
 * `api_keys` (a list or not), and `headers:` values but the harmless few (docs/config.md#commands). */
export function isSecretPath(path: ConfigPath): boolean {
  const last = path[path.length - 1];
  const parent = path[path.length - 2];
  if (last === 'api_key' || last === 'admin_key' || last === 'headers') return true;
  // An OAuth client's secret and refresh token (`oauth2:`).
  if (parent === 'oauth2' && (last === 'client_secret' || last === 'refresh_token')) return true;
  // The dashboard's OpenID Connect client (`gateway.sso`).
  if (parent === 'sso' && last === 'client_secret') return true;
  // An MCP server's `login:` client made beforehand.
  if (path[0] === 'mcp' && parent === 'login' && last === 'client_secret') return true;
  if (path.includes('api_keys')) return true;
  // A stdio MCP server's variables usually carry its token.
  if (path[0] === 'mcp' && parent === 'env') return true;
  return parent === 'headers' && (typeof last !== 'string' || isSecretHeader(last));
}

/** Values that are URLs and may carry a password or a key in the query string: shown through `redactUrl`. */
export function isUrlPath(path: ConfigPath): boolean {
  const last = path[path.length - 1];
  if (path.length === 2 && path[0] === 'usage' && last === 'store') return true;
  if (path[0] === 'mcp' && last === 'url') return true;
  return last === 'base_url' || last === 'proxy' || (path.length === 2 && path[0] === 'gateway' && last === 'state');
}
