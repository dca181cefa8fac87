// Which config paths hold a key: a `${VAR}` there left unset means "no key from here", not an error (interpolate.ts),
// and a local config's read of it is checked like a key variable's (local-env.ts).
import type { ConfigPath } from './issue.ts';

/** Paths where an unset variable means "no key from here" rather than an error. */
export function isKeySlot(path: ConfigPath): boolean {
  const [top, , field, index] = path;
  if (top === 'providers' && field === 'api_key' && path.length === 3) return true;
  if (top === 'providers' && field === 'api_keys' && path.length === 4 && typeof index === 'number') return true;
  if (top === 'auxiliary' && field === 'api_key' && path.length === 3) return true;
  return top === 'gateway' && path[1] === 'admin_key' && path.length === 2;
}
