// Which config values are secrets: never printed in full (`config show`), never echoed in an error message.
import type { ConfigPath } from './issue.ts';
import { redactUrl } from '../credentials/mask.ts';

export { redactUrl };

/** Header names whose values are credentials. */
const SECRET_HEADER_RE = /^(authorization|proxy-authorization|cookie)$|api[-_]?key|token|secret/i;

export function isSecretPath(path: ConfigPath): boolean {
  const last = path[path.length - 1];
  const parent = path[path.length - 2];
  if (last === 'api_key' || last === 'admin_key') return true;
  if (parent === 'api_keys' && typeof last === 'number') return true;
  return parent === 'headers' && typeof last === 'string' && SECRET_HEADER_RE.test(last);
}

/** Values that are URLs and may carry a password or a key in the query string: shown through `redactUrl`. */
export function isUrlPath(path: ConfigPath): boolean {
  const last = path[path.length - 1];
  return last === 'base_url' || (path.length === 2 && path[0] === 'gateway' && last === 'state');
}
