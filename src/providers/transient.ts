// Which kinds are worth retrying on the same key (SPEC §4 first row). Adapters may widen it per provider.
import type { ErrorKind } from '../errors/kinds.ts';

const TRANSIENT: ReadonlySet<ErrorKind> = new Set(['connection', 'timeout', 'server', 'overloaded']);

export function isTransientKind(kind: ErrorKind): boolean {
  return TRANSIENT.has(kind);
}
