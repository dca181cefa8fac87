// A budget on a client key that no stored key is named (`client_key: laptp`) never applies, and nothing else would say
// so: the keys live in the state store, not the config. Nor does a budget on the end users of a key that reads none.
// Said by `config check`, at gateway start and on each reload.
import type { Config } from '../config/schema.ts';
import { didYouMean } from '../config/suggest.ts';
import type { GatewayKeyRecord } from '../state/types.ts';
import { limitsOf, onUsers, type BudgetScope } from './rules.ts';

/** Each budget whose `client_key` names no active client key, with the nearest name that does. */
export function unknownClientKeyWarnings(config: Config, keys: readonly GatewayKeyRecord[]): string[] {
  const active = [...new Set(keys.filter((k) => k.revoked_at === undefined).map((k) => k.name))];
  const revoked = new Set(keys.filter((k) => k.revoked_at !== undefined).map((k) => k.name));
  const out: string[] = [];
  const said = new Set<string>();
  for (const limit of limitsOf(config)) {
    if (limit.scope.kind !== 'client_key' || said.has(limit.budget)) continue;
    said.add(limit.budget);
    const name = limit.scope.name;
    if (active.includes(name)) {
      const users = onUsers(limit.scope) ? usersUnread(limit.budget, limit.scope, keys) : undefined;
      if (users !== undefined) out.push(users);
      continue;
    }
    out.push(`budgets.${limit.budget}.client_key: ${unknownKeyText(name, active, revoked.has(name))}`);
  }
  return out;
}

/** A `per_user`/`user:` budget on a key that reads no end users counts every request of it as one user. */
function usersUnread(
  budget: string,
  scope: Extract<BudgetScope, { kind: 'client_key' }>,
  keys: readonly GatewayKeyRecord[],
): string | undefined {
  const reads = keys.some((k) => k.revoked_at === undefined && k.name === scope.name && k.user_from !== undefined);
  if (reads) return undefined;
  const field = scope.perUser === true ? 'per_user' : 'user';
  return `budgets.${budget}.${field}: client key \`${scope.name}\` reads no end users (it was made without --user-from), so ${scope.perUser === true ? 'all its requests count as one user' : 'this budget never applies'} (\`switchyard gateway keys create NAME --user-from header|body|both\` makes a key that does)`;
}

function unknownKeyText(name: string, active: readonly string[], revoked: boolean): string {
  const what = revoked
    ? `client key \`${name}\` is revoked`
    : `no client key is named \`${name}\`${didYouMean(name, active)}`;
  const known = active.length > 0 ? `client keys: ${active.join(', ')}` : 'no client keys exist yet';
  return `${what}, so this budget never applies (${known}; \`switchyard gateway keys create ${name}\` makes one)`;
}
