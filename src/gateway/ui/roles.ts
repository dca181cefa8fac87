// Who may do what on the dashboard: the role each action needs, and the role an SSO user's claims grant
// (`gateway.sso.roles`). The page hides what a role cannot do; the server refuses it all the same (403).
import { ROLES, type Role } from '../../config/sso.ts';
import type { SsoConfig } from '../../config/sso.ts';
import { ApiError } from '../answer/api-error.ts';
import type { Identity } from './session.ts';

/** The dashboard's state-changing actions and the weakest role that may take each; reading needs `viewer`. */
export const ACTION_ROLES = {
  /** Reset a provider's keys and breaker (`auth reset`). */
  reset: 'operator',
  /** Mint a minted key's token again now (`auth refresh`). */
  refresh: 'operator',
} as const satisfies Record<string, Role>;

export type Action = keyof typeof ACTION_ROLES;

export function atLeast(role: Role, needed: Role): boolean {
  return ROLES.indexOf(role) >= ROLES.indexOf(needed);
}

/** The actions a role may take, for the page to offer only those. */
export function allowedActions(role: Role): Action[] {
  return (Object.keys(ACTION_ROLES) as Action[]).filter((a) => atLeast(role, ACTION_ROLES[a]));
}

/** A 403 when `identity` may not take `action`, naming the role it needs. */
export function mayTake(identity: Identity, action: Action): void {
  const needed = ACTION_ROLES[action];
  if (!atLeast(identity.role, needed))
    throw new ApiError(
      'permission',
      `${action} needs the ${needed} role; ${identity.who} is signed in as ${identity.role}`,
      { code: 'role_required' },
    );
}

/** The values of the role claim: a string, or a list's strings; anything else grants nothing. */
function claimValues(claim: unknown): string[] {
  if (typeof claim === 'string') return [claim];
  if (Array.isArray(claim)) return claim.filter((v): v is string => typeof v === 'string');
  return [];
}

/** The strongest role the claims reach under the mapping, or undefined for none (that user may not sign in). */
export function roleFromClaims(sso: SsoConfig, claims: Record<string, unknown>): Role | undefined {
  const values = new Set(claimValues(claims[sso.role_claim]));
  for (const role of [...ROLES].reverse()) {
    if ((sso.roles[role] ?? []).some((v) => values.has(v))) return role;
  }
  return undefined;
}
