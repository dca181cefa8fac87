// How `config show` presents the resolved config: secrets masked, durations in their shortest exact unit (`1m`,
// `90s`, `250ms`), and with
// --explain the origin of every value.
import { stringify } from 'yaml';
import { mask } from './mask.ts';
import { keyEnvName } from './key-slots.ts';
import { chooseProxy } from './proxy.ts';
import type { LoadedConfig, Origin } from './types.ts';
import { formatDurationSetting } from './duration.ts';
import { formatPath, type ConfigPath } from './issue.ts';
import { describeOrigin, forEachLeaf } from './origins.ts';
import { isDurationAt } from './schema-walk.ts';
import { isSecretPath, isUrlPath, redactUrl } from './secret-paths.ts';

export { isSecretPath };

/** A deep copy with every leaf passed through `fn` (empty lists and maps are kept as they are). */
function mapLeaves(value: unknown, fn: (path: ConfigPath, leaf: unknown) => unknown, path: ConfigPath = []): unknown {
  if (Array.isArray(value)) return value.length ? value.map((v, i) => mapLeaves(v, fn, [...path, i])) : [];
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) if (v !== undefined) out[k] = mapLeaves(v, fn, [...path, k]);
    return out;
  }
  return fn(path, value);
}

/** The display form of one leaf: masked when secret, durations as `1m` unless `raw`. */
export function displayLeaf(path: ConfigPath, value: unknown, raw: boolean): unknown {
  if (isSecretPath(path) && typeof value === 'string') return mask(value);
  // `gateway.state: redis://:password@host`, `base_url: https://u:pass@host/v1?key=…` carry secrets inside a URL.
  if (isUrlPath(path) && typeof value === 'string') return redactUrl(value);
  if (!raw && typeof value === 'number' && isDurationAt(path)) return formatDurationSetting(value);
  return value;
}

/** The resolved config, masked; `raw` keeps durations in milliseconds (for --json). */
export function displayConfig(loaded: LoadedConfig, raw = false): unknown {
  return mapLeaves(loaded.config, (path, value) => displayLeaf(path, asWritten(loaded, path, value), raw));
}

/** A key command's `run` (or an argv word) with each `${VAR}` put back as written: a variable there often holds a
 * secret handed to the command (`-d client_secret=${SECRET}`), which `config show` must not print. */
function asWritten(loaded: LoadedConfig, path: ConfigPath, value: unknown): unknown {
  if (typeof value !== 'string' || loaded.variables === undefined || !isCommandPath(path)) return value;
  // `api_key_command: "…"` was written without `run:`: its variables are recorded at the parent's path.
  const names =
    loaded.variables.get(formatPath(path)) ??
    (path.at(-1) === 'run' ? loaded.variables.get(formatPath(path.slice(0, -1))) : undefined);
  if (names === undefined) return value;
  const values = [...new Set(names)]
    .map((name) => ({ name, value: loaded.env[name] ?? loaded.dotenv[name] ?? '' }))
    .filter((v) => v.value !== '')
    .sort((a, b) => b.value.length - a.value.length);
  return values.reduce((text, v) => text.split(v.value).join(`\${${v.name}}`), value);
}

/** `api_key_command.run`, or one word of it given as a list. */
function isCommandPath(path: ConfigPath): boolean {
  const i = path.lastIndexOf('run');
  return i >= 1 && path[i - 1] === 'api_key_command' && path.length - i <= 2;
}

export function configYaml(loaded: LoadedConfig): string {
  return stringify(displayConfig(loaded), { lineWidth: 0 });
}

export interface ExplainRow {
  path: string;
  value: unknown;
  origin: Origin;
  /** `switchyard.yaml:3`, `env MIMO_API_KEY (switchyard.yaml:5)`, `default`. */
  from: string;
}

function isCommandRun(path: ConfigPath): boolean {
  return path[path.length - 1] === 'run' && path[path.length - 2] === 'api_key_command';
}

export function explainRows(loaded: LoadedConfig, raw = false): ExplainRow[] {
  const rows: ExplainRow[] = [];
  forEachLeaf(loaded.config, (path, value) => {
    const key = formatPath(path);
    const origin = loaded.origins.get(key) ?? { kind: 'default' };
    // A command given as a string runs through a shell: said where it is shown, as the config does not say it.
    const written = asWritten(loaded, path, value);
    const shown =
      isCommandRun(path) && typeof written === 'string' && !raw
        ? `${written}  (run by sh -c)`
        : displayLeaf(path, written, raw);
    rows.push({ path: key, value: shown, origin, from: describeOrigin(origin, loaded.cwd) });
  });
  // Key slots whose variable is unset: no value, but worth seeing where a key would have come from. Each goes
  // next to its siblings (after the last row sharing its parent), replacing an emptied `api_keys: []` row.
  for (const [path, name] of loaded.unresolved ?? []) {
    const origin = loaded.origins.get(path) ?? { kind: 'default' };
    const unset = loaded.withheldEnv?.has(name)
      ? `(not read: \${${name}} is set, but this ./switchyard.yaml is not trusted with it)`
      : `(unset: \${${name}} is not set)`;
    const row: ExplainRow = { path, value: unset, origin, from: describeOrigin(origin, loaded.cwd) };
    const parent = path.replace(/(\[\d+\]|\.[^.[]+)$/, '');
    const emptied = rows.findIndex((r) => r.path === parent && Array.isArray(r.value) && r.value.length === 0);
    if (emptied >= 0) {
      rows.splice(emptied, 1, row);
      continue;
    }
    insertBesideSiblings(rows, parent, row);
  }
  for (const provider of Object.keys(loaded.config.providers)) {
    defaultKeyEnvRow(loaded, provider, rows);
    environmentProxyRow(loaded, provider, rows);
    markWithheldKeyEnv(loaded, provider, rows);
  }
  return rows;
}

/** A key variable an untrusted ./switchyard.yaml may not read (local-env.ts): its row says so, as the warnings do. */
function markWithheldKeyEnv(loaded: LoadedConfig, provider: string, rows: ExplainRow[]): void {
  if (!loaded.withheldEnv?.has(keyEnvName(loaded, provider))) return;
  const row = rows.find((r) => r.path === formatPath(['providers', provider, 'key_env']));
  if (row) row.from = `${row.from}; not read from the environment (this ./switchyard.yaml is not trusted with it)`;
}

/** A provider's `key_env` has no schema default (it is `<NAME>_API_KEY`, from the provider's name), so it is no leaf
 * of the config; unwritten, it is still a default that decides where the key is read from, and shown as one. */
function defaultKeyEnvRow(loaded: LoadedConfig, provider: string, rows: ExplainRow[]): void {
  if (loaded.config.providers[provider]?.key_env !== undefined) return;
  const origin: Origin = { kind: 'default' };
  const row: ExplainRow = {
    path: formatPath(['providers', provider, 'key_env']),
    value: keyEnvName(loaded, provider),
    origin,
    from: describeOrigin(origin, loaded.cwd),
  };
  insertBesideSiblings(rows, formatPath(['providers', provider]), row);
}

/** A proxy the environment (or the .env) gives a provider that has no `proxy:` of its own: not a leaf of the
 * config, but it decides where the provider's calls go, so it is shown with the variable it came from. */
function environmentProxyRow(loaded: LoadedConfig, provider: string, rows: ExplainRow[]): void {
  const p = loaded.config.providers[provider];
  if (p === undefined || p.proxy !== undefined) return;
  const choice = chooseProxy(provider, undefined, p.base_url, loaded.env, loaded.dotenv);
  if (choice?.variable === undefined) return;
  const { name, inDotenv } = choice.variable;
  const origin: Origin = inDotenv
    ? { kind: 'dotenv', name, dotenvFile: loaded.dotenvPath ?? '.env' }
    : { kind: 'env', name };
  const row: ExplainRow = {
    path: formatPath(['providers', provider, 'proxy']),
    value: redactUrl(choice.url),
    origin,
    from: describeOrigin(origin, loaded.cwd),
  };
  insertBesideSiblings(rows, formatPath(['providers', provider]), row);
}

/** After the last row under `parent` (`providers.mimo.…`, `….api_keys[2]`), or at the end when there is none. */
function insertBesideSiblings(rows: ExplainRow[], parent: string, row: ExplainRow): void {
  const last = rows.findLastIndex((r) => r.path.startsWith(`${parent}.`) || r.path.startsWith(`${parent}[`));
  rows.splice(last >= 0 ? last + 1 : rows.length, 0, row);
}

export function displayValue(value: unknown): string {
  if (typeof value === 'string') return value === '' ? '""' : value;
  return JSON.stringify(value);
}
