// Which guard mode a request or an MCP tool result gets: the most specific setting wins (a client key's `--guard`,
// an MCP server's `guard:`), else the config's `guard.secrets`, else `log` (counted and shown, traffic unchanged).
import type { GuardMode } from '../config/guard.ts';

export type { GuardMode };

export const DEFAULT_GUARD_MODE: GuardMode = 'log';

/** The first mode given, from the most specific setting to the least. */
export function resolveGuardMode(...settings: readonly (GuardMode | undefined)[]): GuardMode {
  return settings.find((m) => m !== undefined) ?? DEFAULT_GUARD_MODE;
}
