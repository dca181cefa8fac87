// A stored key is sent only to the host (origin) it was added for: following the provider's name, it would go wherever
// a cloned repository's ./switchyard.yaml points that name (docs/credentials.md#sources).
import type { LoadedConfig, Origin } from '../config/types.ts';
import type { StoredCredential } from '../state/types.ts';
import { mask } from '../config/mask.ts';
import { originOf } from '../config/url-origin.ts';

export { originOf };
import type { KeyTarget, WithheldKey } from './types.ts';

export type { KeyTarget, WithheldKey };

/** A task's own base_url: its routes send the provider's keys there instead (src/routing/pick.ts). */
export interface TargetOverride {
  baseUrl: string;
  setting: string;
}

export function keyTarget(loaded: LoadedConfig, provider: string, override?: TargetOverride): KeyTarget | undefined {
  const setting = override?.setting ?? `providers.${provider}.base_url`;
  const url = override?.baseUrl ?? loaded.config.providers[provider]?.base_url;
  if (url === undefined) return undefined;
  return { origin: originOf(url), setting, writtenAt: writtenAt(loaded, loaded.origins.get(setting)) };
}

/** The file and line, absolute: the point is to tell *which* config sent the key somewhere else. */
function writtenAt(loaded: LoadedConfig, origin: Origin | undefined): string {
  const file = loaded.path ?? 'the config';
  if (!origin || origin.kind === 'default') return file;
  const at = (o: { file?: string; line?: number }): string => `${o.file ?? file}:${o.line ?? '?'}`;
  if (origin.kind === 'file') return at(origin);
  return `${origin.kind === 'env' ? 'env' : '.env'} ${origin.name} (${at(origin)})`;
}

export type Binding =
  | { send: true; /** A key stored before origins were recorded, to be bound to this origin now. */ bind?: string }
  | { send: false; withheld: WithheldKey };

/** What to do with a stored key given where the config sends the provider's keys. A key stored before hosts were
 * recorded is bound by the first config that uses it, unless that is an unnamed ./switchyard.yaml from a clone. */
export function bindingFor(
  loaded: LoadedConfig,
  key: StoredCredential,
  target: KeyTarget,
  providerOrigin: string,
): Binding {
  const legacy = key.origin === undefined;
  const addedFor = key.origin ?? (loaded.localConfig ? undefined : providerOrigin);
  if (addedFor === target.origin) return legacy ? { send: true, bind: addedFor } : { send: true };
  const withheld: WithheldKey = { provider: key.provider, id: key.id, masked: mask(key.secret), target, why: '' };
  if (key.label !== undefined) withheld.label = key.label;
  if (addedFor !== undefined) withheld.added_for = addedFor;
  withheld.why = withheldWhy(withheld, legacy);
  return { send: false, withheld };
}

/** The reason, naming both hosts and the config file that names the new one; the fix is `rebindHint`. */
function withheldWhy(w: WithheldKey, legacy: boolean): string {
  const t = w.target;
  const sends = `${t.setting} (${t.writtenAt}) sends ${w.provider}'s keys to ${t.origin}`;
  if (w.added_for === undefined) {
    return `it was stored before switchyard recorded hosts, and ${sends} from ./switchyard.yaml of the current directory, which does not decide where such a key may go`;
  }
  return `${legacy ? `it is for ${w.added_for}, the host of providers.${w.provider}.base_url` : `it was added for ${w.added_for}`}, but ${sends}`;
}

/** `switchyard auth rebind P ID` moves the key to the host the config names now (an informed choice). */
export function rebindHint(w: WithheldKey): string {
  if (w.fix !== undefined) return w.fix;
  return `if you trust ${w.target.origin}, \`switchyard auth rebind ${w.provider} ${w.id}\` sends it there`;
}

/** `stored "work" sk-…0001 (a1b2c3d4e5f6)` */
export function describeWithheld(w: WithheldKey): string {
  return `${w.label !== undefined ? `stored "${w.label}"` : 'stored'} ${w.masked} (${w.id})`;
}
