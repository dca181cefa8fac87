// A budget on a client key that no stored key is named (`client_key: laptp`) never applies, and nothing else would say
// so: the keys live in the state store, not the config. Said by `config check`, at gateway start and on each reload.
import type { Config } from '../config/schema.ts';
import { didYouMean } from '../config/suggest.ts';
import type { GatewayKeyRecord } from '../state/types.ts';
import { limitsOf } from './rules.ts';

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
    if (active.includes(name)) continue;
    out.push(`budgets.${limit.budget}.client_key: ${unknownKeyText(name, active, revoked.has(name))}`);
  }
  return out;
}

function unknownKeyText(name: string, active: readonly string[], revoked: boolean): string {
  const what = revoked
    ? `client key \`${name}\` is revoked`
    : `no client key is named \`${name}\`${didYouMean(name, active)}`;
  const known = active.length > 0 ? `client keys: ${active.join(', ')}` : 'no client keys exist yet';
  return `${what}, so this budget never applies (${known}; \`switchyard gateway keys create ${name}\` makes one)`;
}
