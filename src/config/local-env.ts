// What an untrusted ./switchyard.yaml may read from the environment: it may have come with a cloned repository, so a
// variable it would send anywhere but home or loopback is withheld (docs/architecture.md#a-config-from-a-clone).
import { originOf } from './url-origin.ts';
import type { Config } from './schema.ts';
import type { LoadedConfig, WithheldVariable } from './types.ts';

export type { WithheldVariable };
import type { ConfigPath } from './issue.ts';
import { formatPath } from './issue.ts';
import { isKeySlot } from './slot-paths.ts';
import { redisHosts } from './redis-url.ts';

/** The hosts each well-known key variable belongs to: sending it there is what any config would do. */
const HOMES: Readonly<Record<string, readonly string[]>> = {
  OPENAI_API_KEY: ['https://api.openai.com'],
  ANTHROPIC_API_KEY: ['https://api.anthropic.com'],
  DEEPSEEK_API_KEY: ['https://api.deepseek.com'],
  GEMINI_API_KEY: ['https://generativelanguage.googleapis.com'],
  GOOGLE_API_KEY: ['https://generativelanguage.googleapis.com'],
  GROQ_API_KEY: ['https://api.groq.com'],
  MISTRAL_API_KEY: ['https://api.mistral.ai'],
  OPENROUTER_API_KEY: ['https://openrouter.ai'],
  XAI_API_KEY: ['https://api.x.ai'],
};

function isLoopback(origin: string): boolean {
  try {
    const host = new URL(origin).hostname;
    return host === 'localhost' || host === '[::1]' || /^127(\.\d{1,3}){3}$/.test(host);
  } catch {
    return false;
  }
}

/** A key (`asKey`) may go to loopback, which authenticates with it; other data a local server may pass on (as
 * `switchyard gateway` routes `other/…` models), so only the variable's home approves it. */
function approved(name: string, origin: string, asKey: boolean): boolean {
  return (asKey && isLoopback(origin)) || (HOMES[name]?.includes(origin) ?? false);
}

/** `${NAME}` references in a raw string (`$${` is a literal). */
export function referencedNames(text: string): string[] {
  const names: string[] = [];
  const re = /\$\$\{|\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g;
  for (let m = re.exec(text); m !== null; m = re.exec(text)) if (m[1] !== undefined) names.push(m[1]);
  return names;
}

/** Every raw string of the document with its path. */
function* strings(value: unknown, path: ConfigPath): Generator<[ConfigPath, string]> {
  if (typeof value === 'string') yield [path, value];
  else if (Array.isArray(value)) for (let i = 0; i < value.length; i++) yield* strings(value[i], [...path, i]);
  else if (value !== null && typeof value === 'object')
    for (const [k, v] of Object.entries(value)) yield* strings(v, [...path, k]);
}

/** Where P's keys and data go: its base_url, its tasks' own base_urls, and the proxy it names, which sees even a
 * loopback request in the clear (the environment's proxies are the user's own). */
function providerHosts(config: Config, provider: string): string[] {
  const hosts = new Set<string>();
  const p = config.providers[provider];
  if (p) hosts.add(originOf(p.base_url));
  if (p?.proxy !== undefined && p.proxy !== 'none') hosts.add(originOf(p.proxy));
  for (const task of Object.values(config.auxiliary))
    if (task.provider === provider && task.base_url) hosts.add(originOf(task.base_url));
  return [...hosts];
}

function allProviderHosts(config: Config): string[] {
  return [...new Set(Object.keys(config.providers).flatMap((p) => providerHosts(config, p)))];
}

/** A route-like object on the path (main, a fallback entry, a task, a fallback_chain entry): its provider's hosts,
 * and its own base_url's. `auto` runs on the main chain: every provider's, to be safe. */
function routeHosts(config: Config, node: { provider?: unknown; base_url?: unknown }): string[] {
  const own = typeof node.base_url === 'string' ? [originOf(node.base_url)] : [];
  if (node.provider === 'none') return own;
  const of =
    typeof node.provider === 'string' && node.provider !== 'auto'
      ? providerHosts(config, node.provider)
      : allProviderHosts(config);
  return [...new Set([...own, ...of])];
}

function at(root: unknown, path: ConfigPath): unknown {
  let v = root;
  for (const k of path)
    v = v !== null && typeof v === 'object' ? (v as Record<string | number, unknown>)[k] : undefined;
  return v;
}

/** Where a value read at `path` may be sent: nowhere (a local setting: the gateway's listen address, its admin key,
 * retry timings…), a provider's hosts, its proxy, or the Redis server of `gateway.state`. */
export function hostsFor(config: Config, path: ConfigPath): string[] {
  const [top, name, field] = path;
  if (top === 'gateway')
    return name === 'state' && config.gateway.state !== 'sqlite' ? redisHosts(config.gateway.state) : [];
  if (top === 'providers' && typeof name === 'string') {
    if (field === 'proxy') return config.providers[name]?.proxy ? [originOf(config.providers[name].proxy)] : [];
    return providerHosts(config, name);
  }
  // The deepest object on the path that names a provider decides (a fallback_chain entry inside a task).
  for (let depth = path.length; depth >= 1; depth--) {
    const node = at(config, path.slice(0, depth));
    if (node !== null && typeof node === 'object' && !Array.isArray(node) && 'provider' in node)
      return routeHosts(config, node);
  }
  return [];
}

/** The environment variables an untrusted local config would send elsewhere than loopback or home. `raw` holds the
 * `${VAR}`s as written; `config`, interpolated with the whole environment, says where values go. */
export function withheldVariables(
  raw: unknown,
  config: Config,
  env: Readonly<Record<string, string | undefined>>,
  keyEnv: ReadonlyMap<string, string>,
): Map<string, WithheldVariable> {
  const out = new Map<string, WithheldVariable>();
  const note = (name: string, hosts: readonly string[], readAt: string, asKey: boolean): void => {
    if (env[name] === undefined) return;
    const refused = hosts.filter((h) => !approved(name, h, asKey));
    if (refused.length === 0) return;
    const w = out.get(name) ?? { name, hosts: [], readAt: [] };
    for (const h of refused) if (!w.hosts.includes(h)) w.hosts.push(h);
    if (!w.readAt.includes(readAt)) w.readAt.push(readAt);
    out.set(name, w);
  };
  for (const [path, text] of strings(raw, [])) {
    const names = referencedNames(text);
    // A key slot holding exactly one variable is that key; text around it makes it something else.
    const asKey = isKeySlot(path) && text.trim() === `\${${names[0] ?? ''}}`;
    if (names.length > 0) for (const name of names) note(name, hostsFor(config, path), formatPath(path), asKey);
  }
  for (const [provider, variable] of keyEnv)
    note(variable, providerHosts(config, provider), `providers.${provider}.key_env`, true);
  return out;
}

/** A variable as the config may read it (undefined when withheld). `env` stays whole, so a reload after
 * `switchyard config trust` can read it. */
export function envValue(loaded: Pick<LoadedConfig, 'env' | 'withheldEnv'>, name: string): string | undefined {
  return loaded.withheldEnv?.has(name) === true ? undefined : loaded.env[name];
}

/** A variable a credential source reads itself rather than through `${VAR}` (AWS_CONFIG_FILE, AWS_ENDPOINT_URL_STS,
 * GOOGLE_APPLICATION_CREDENTIALS, …): as `${VAR}` is, the environment first, then the .env beside the config. So it
 * is the same in a shell, under systemd (whose EnvironmentFile= is that .env) and after a reload (whose environment
 * leaves the .env's values out), and so is the identity of the credential made from it. */
export function credentialVariable(
  loaded: Pick<LoadedConfig, 'env' | 'withheldEnv' | 'dotenv'>,
  name: string,
): string | undefined {
  return envValue(loaded, name) ?? (Object.hasOwn(loaded.dotenv, name) ? loaded.dotenv[name] : undefined);
}

/** Why a variable is not read, for messages: names it, where it would have gone and the fix. */
export function withheldWhy(w: WithheldVariable, file: string): string {
  return `${w.name} is set in the environment, but ${file} was found in the current directory (it may have come with a cloned repository) and would send it to ${w.hosts.join(', ')}; it is not read. If the file is yours, \`switchyard config trust\` lets it read the environment`;
}
