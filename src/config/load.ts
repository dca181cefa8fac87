// Finds, reads, interpolates and validates the config (docs/config.md). Every problem found is reported at once, each
// at its file:line:col with its key path, as one UserError (exit code 2): a bad config never starts anything.
import { readConfigFile } from './read-file.ts';
import { decodeUtf8 } from './encoding.ts';
import { keyEnvName, keyVariable, unsendableKeys } from './key-slots.ts';
import { envValue, withheldVariables, withheldWhy, type WithheldVariable } from './local-env.ts';
import { isTrusted } from './trust.ts';
import { maskRedisUrl } from './redis-url.ts';
import { redactUrl } from './mask.ts';
import { conflictWarning } from './interpolate.ts';
import { adminKeyWarnings } from './admin-key.ts';
import { isDuplicateKey, isEmptyDocument } from './yaml-source.ts';
import { dirname, resolve } from 'node:path';
import { UserError } from '../user-error.ts';
import { configSchema, type Config } from './schema.ts';
import type { LoadedConfig } from './types.ts';
import { discoverConfig, rediscoverConfig } from './discover.ts';
import { readDotenv, type Dotenv } from './dotenv.ts';
import { configExposureWarnings } from './literal-secrets.ts';
import { parseYaml, type YamlSource } from './yaml-source.ts';
import { interpolate, type Ref } from './interpolate.ts';
import { zodIssues } from './zod-issues.ts';
import { crossCheck } from './cross-check.ts';
import { buildOrigins } from './origins.ts';
import { issuesError, type ConfigIssue } from './issue.ts';
import { environmentProxyWarnings } from './proxy.ts';
import { regionWarnings } from './region-warnings.ts';
import { dropUntrustedMinting } from './untrusted-minting.ts';

export interface LoadOptions {
  /** `--config FILE`; otherwise $SWITCHYARD_CONFIG, ./switchyard.yaml, $XDG_CONFIG_HOME/switchyard/config.yaml. */
  configPath?: string;
  cwd?: string;
  env?: Record<string, string | undefined>;
  /** When true (the default), a missing config file is fine and every value is a default. An explicitly named
   * file (`configPath`, $SWITCHYARD_CONFIG) must exist either way. */
  allowMissing?: boolean;
  /** Where `configPath` came from, for messages: `--config` (the default), or e.g. `the command line`. */
  configFrom?: string;
  /** `configPath` is a ./switchyard.yaml first found by discovery (a reload re-reads it by path, and it must not
   * become a config the user named: LoadedConfig.localConfig). */
  local?: boolean;
  /** `configPath` is the file a running gateway or chat started with, re-read (a reload): it must still be there,
   * and a message about it says that, not where it was first found. */
  reread?: boolean;
}

function readText(path: string): string {
  const read = readConfigFile(path);
  if (!read.ok) throw new UserError(`cannot read config ${path}: ${read.why}`);
  const decoded = decodeUtf8(read.bytes);
  if (!decoded.ok)
    throw new UserError(`config ${path} is not UTF-8 text: ${decoded.why}`, {
      details: ['save it as UTF-8 (most editors: "Save with encoding" → UTF-8)'],
    });
  return decoded.text;
}

/** Defaults for everything: what no file at all means. */
function defaults(): Config {
  return configSchema.parse({});
}

/** Finds, reads, interpolates and validates the config. Throws UserError with a located message. */
export function loadConfig(options: LoadOptions = {}): LoadedConfig {
  const cwd = options.cwd ?? process.cwd();
  // A snapshot: later changes to process.env do not change a loaded config (reload to pick them up).
  const env: Record<string, string | undefined> = { ...(options.env ?? process.env) };
  const found =
    options.reread === true && options.configPath !== undefined
      ? rediscoverConfig(resolve(cwd, options.configPath))
      : discoverConfig(options.configPath, cwd, env, options.configFrom);
  if (found.path === null) {
    if (options.allowMissing === false) {
      throw new UserError(`no config file found — looked in ${found.searched.join(', ')}`, {
        details: ['create one with `switchyard config init`, or name one with --config FILE'],
      });
    }
    const dotenv = readDotenv(cwd);
    const config = defaults();
    return {
      config,
      path: null,
      dir: cwd,
      cwd,
      dotenvPath: dotenv.path,
      dotenv: dotenv.values,
      env,
      origins: buildOrigins(config, null, null),
      warnings: [...dotenv.warnings],
      loadedAt: Date.now(),
    };
  }
  const local = found.local || options.local === true;
  const loaded = loadFile(found.path, env, local);
  if (local) loaded.localConfig = true;
  loaded.cwd = cwd;
  return loaded;
}

/** An empty file is never a config meant to run: it is what `: > file`, or a generator writing with `>` that failed
 * before its first line, leaves behind (a gateway reloading it would lose every route). No file means the defaults. */
const EMPTY_FILE =
  'the file is empty (nothing but blank lines or comments): write the config into it (`switchyard config init` writes a starting one)';

/** `local`: a ./switchyard.yaml found in the current directory, which reads the environment only as far as
 * local-env.ts allows until the user trusts it. */
function loadFile(path: string, env: Record<string, string | undefined>, local: boolean): LoadedConfig {
  const dir = dirname(path);
  const { source, issues: syntaxIssues } = parseYaml(path, readText(path));
  // Past a syntax error the structure is guesswork; report just the syntax. A duplicate key is not such an error:
  // it is reported together with everything else.
  if (!syntaxIssues.every(isDuplicateKey)) throw issuesError(path, syntaxIssues);
  if (isEmptyDocument(source))
    throw issuesError(path, [{ file: path, line: 1, col: 1, path: '', message: EMPTY_FILE }]);
  const untrusted = local && !isTrusted(path, env);
  const input: SourceInput = {
    source,
    syntaxIssues,
    path,
    dir,
    env,
    dotenv: readDotenv(dir, { plainFileOnly: untrusted }),
  };
  const withheld = untrusted ? untrustedReads(input) : undefined;
  const checked = checkSource(withheld ? { ...input, withheld } : input);
  if (!checked.ok) throw issuesError(path, checked.issues);
  if (untrusted) limitUntrusted(checked.loaded, path);
  if (withheld) {
    checked.loaded.warnings.push(...[...withheld.values()].map((w) => withheldWhy(w, path)));
  }
  return checked.loaded;
}

/** An untrusted config may not decide where the user's shared state is kept, nor bench their keys for longer than the
 * defaults (docs/architecture.md#a-config-from-a-clone). */
function limitUntrusted(loaded: LoadedConfig, path: string): void {
  dropUntrustedMinting(loaded, path);
  const config = loaded.config;
  if (config.gateway.state !== 'sqlite') {
    loaded.warnings.push(
      `gateway.state ${maskRedisUrl(config.gateway.state)} is not used: ${path} was found in the current directory and is not trusted to choose where your keys' health is kept (the embedded store is used); \`switchyard config trust\` if the file is yours`,
    );
    config.gateway.state = 'sqlite';
  }
  if (config.usage.store !== 'sqlite' && config.usage.store !== 'off') {
    loaded.warnings.push(
      `usage.store ${redactUrl(config.usage.store)} is not used: ${path} was found in the current directory and is not trusted to choose where your usage ledger is kept (the embedded one is used); \`switchyard config trust\` if the file is yours`,
    );
    config.usage.store = 'sqlite';
  }
  const defaults = configSchema.parse({}).cooldowns;
  const longer = (Object.keys(defaults) as (keyof typeof defaults)[]).filter((k) => config.cooldowns[k] > defaults[k]);
  for (const k of longer) config.cooldowns[k] = defaults[k];
  if (longer.length > 0) {
    loaded.warnings.push(
      `cooldowns.${longer.join(', cooldowns.')} ${longer.length === 1 ? 'is' : 'are'} held to the default: ${path} was found in the current directory and is not trusted to set your keys aside for longer (their health is shared with your own configs); \`switchyard config trust\` if the file is yours`,
    );
  }
}

/** What `path`, found as ./switchyard.yaml and not trusted, would not be allowed to read (for `config trust`, which
 * must be able to trust a file that cannot load untrusted). Undefined: nothing, or a file too broken to tell. */
export function untrustedReadsOf(
  path: string,
  env: Record<string, string | undefined>,
): ReadonlyMap<string, WithheldVariable> | undefined {
  const { source, issues } = parseYaml(path, readText(path));
  if (!issues.every(isDuplicateKey)) return undefined;
  return untrustedReads({
    source,
    syntaxIssues: issues,
    path,
    dir: dirname(path),
    env,
    dotenv: readDotenv(dirname(path), { plainFileOnly: true }),
  });
}

/** What an untrusted config may not read, repeated until stable: a withheld variable may come from its .env instead
 * and move where a value goes (docs/architecture.md#a-config-from-a-clone). */
function untrustedReads(input: SourceInput): Map<string, WithheldVariable> | undefined {
  const withheld = new Map<string, WithheldVariable>();
  // Each round withholds at least one more of the variables the document can read, or ends: so it ends, however the
  // .env chains them (no fixed cap a longer chain could outrun).
  for (;;) {
    const env = without(input.env, withheld);
    const data = interpolate({
      source: input.source,
      env,
      dotenv: input.dotenv.values,
      dotenvPath: input.dotenv.path,
    }).data;
    const parsed = configSchema.safeParse(data);
    if (!parsed.success) break;
    const keyEnv = new Map(Object.keys(parsed.data.providers).map((p) => [p, keyVariable(parsed.data, p)] as const));
    const more = withheldVariables(input.source.data, parsed.data, env, keyEnv);
    if (more.size === 0) break;
    for (const [name, w] of more) withheld.set(name, w);
  }
  return withheld.size > 0 ? withheld : undefined;
}

function without(
  env: Record<string, string | undefined>,
  names: ReadonlyMap<string, unknown>,
): Record<string, string | undefined> {
  const out = { ...env };
  for (const name of names.keys()) delete out[name];
  return out;
}

export interface SourceInput {
  source: YamlSource;
  /** Issues found while parsing that still leave the document readable (duplicate keys). */
  syntaxIssues: ConfigIssue[];
  /** The config file, or null for a config built from an object. */
  path: string | null;
  dir: string;
  env: Record<string, string | undefined>;
  dotenv: Dotenv;
  /** Variables an untrusted local config may not read (local-env.ts): interpolated as if unset, and named so that a
   * value needing one says why it is missing. */
  withheld?: ReadonlyMap<string, WithheldVariable>;
}

/** Interpolates, validates and cross-checks a parsed document: the file loader's work after reading, shared with
 * `configFromObject` so an object gets exactly the same defaults, `${VAR}` handling and checks as a file. */
export function checkSource(
  input: SourceInput,
): { ok: true; loaded: LoadedConfig } | { ok: false; issues: ConfigIssue[] } {
  const { source, syntaxIssues, path, dir, env, dotenv } = input;
  // A withheld variable is interpolated as if unset (the .env may supply it); `loaded.env` keeps the whole snapshot,
  // read through envValue, so a reload after `config trust` can read it.
  const readable = input.withheld ? without(env, input.withheld) : env;
  const interpolated = interpolate({
    source,
    env: readable,
    dotenv: dotenv.values,
    dotenvPath: dotenv.path,
    ...(input.withheld ? { withheld: input.withheld } : {}),
  });
  const parsed = configSchema.safeParse(interpolated.data);
  const checked = crossCheck(interpolated.data, source.data, source);
  // A value whose ${VAR} failed is reported once, for the variable, not again for the text left in its place.
  const badVars = new Set(interpolated.issues.map((i) => i.path));
  const later = [
    ...(parsed.success ? [] : zodIssues(parsed.error.issues, source, interpolated.data)),
    ...checked.issues,
  ].map((i) => withVariables(i, interpolated.refs, dotenv));
  const issues = [...syntaxIssues, ...interpolated.issues, ...later.filter((i) => !badVars.has(i.path))];
  if (issues.length > 0 || !parsed.success) return { ok: false, issues };
  // A config built from an object (no path) has no file for anyone else to read.
  const exposed = path === null ? [] : configExposureWarnings(path, source, interpolated.origins);
  const warnings = [...dotenv.warnings, ...exposed, ...interpolated.warnings, ...checked.warnings];
  const gatewayWarnings = adminKeyWarnings(
    parsed.data,
    source.data,
    interpolated.unresolved.get('gateway.admin_key'),
    interpolated.origins.get('gateway.admin_key'),
  );
  const loaded: LoadedConfig = {
    config: parsed.data,
    path,
    dir,
    dotenvPath: dotenv.path,
    dotenv: dotenv.values,
    env,
    origins: buildOrigins(parsed.data, source, interpolated),
    warnings,
    loadedAt: Date.now(),
  };
  if (input.withheld) loaded.withheldEnv = input.withheld;
  if (gatewayWarnings.length > 0) loaded.gatewayWarnings = gatewayWarnings;
  const conflicts = new Map([...interpolated.conflicts, ...keyEnvConflicts(loaded, interpolated.conflicts)]);
  loaded.warnings.push(
    ...[...conflicts].filter(([name]) => !interpolated.conflicts.has(name)).map(([, warning]) => warning),
  );
  if (conflicts.size > 0) loaded.envConflicts = conflicts;
  for (const provider of Object.keys(loaded.config.providers))
    loaded.warnings.push(...unsendableKeys(loaded, provider));
  loaded.warnings.push(...environmentProxyWarnings(loaded.config.providers, loaded.env, loaded.dotenv));
  loaded.warnings.push(...regionWarnings(loaded.config));
  const variables = setVariables(interpolated.refs);
  if (variables.size > 0) loaded.variables = variables;
  if (interpolated.unresolved.size > 0) loaded.unresolved = interpolated.unresolved;
  if (interpolated.kept.size > 0) loaded.keptIndices = interpolated.kept;
  return { ok: true, loaded };
}

/** The variables (set somewhere) each interpolated value was made from. */
function setVariables(refs: ReadonlyMap<string, readonly Ref[]>): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const [path, list] of refs) {
    const names = list.filter((r) => r.from !== null).map((r) => r.name);
    if (names.length > 0) out.set(path, names);
  }
  return out;
}

/** An issue about a value made from variables says which, and where each was set (`got "abc" (the value comes from
 * ${TMO} in …/.env:3)`): the file shows only `${TMO}`, and the value to fix is elsewhere. */
function withVariables(issue: ConfigIssue, refs: ReadonlyMap<string, readonly Ref[]>, dotenv: Dotenv): ConfigIssue {
  const used = refs.get(issue.path)?.filter((r) => r.from !== null);
  if (used === undefined || used.length === 0) return issue;
  const where = (r: Ref): string => {
    if (r.from === 'env') return `\${${r.name}} in the environment`;
    const line = dotenv.lines[r.name];
    return `\${${r.name}} in ${dotenv.path ?? '.env'}${line === undefined ? '' : `:${line}`}`;
  };
  const list = used.map(where);
  const sources = list.length === 1 ? list[0]! : `${list.slice(0, -1).join(', ')} and ${list.at(-1)!}`;
  return { ...issue, message: `${issue.message} (the value comes from ${sources})` };
}

/** A provider's key variable (`key_env`, default `<NAME>_API_KEY`) set differently in the environment and .env:
 * said like a conflicting `${VAR}` (and not twice when the config also interpolates it). */
function keyEnvConflicts(loaded: LoadedConfig, already: ReadonlyMap<string, string>): Map<string, string> {
  const out = new Map<string, string>();
  const seen = new Set<string>();
  for (const provider of Object.keys(loaded.config.providers)) {
    const name = keyEnvName(loaded, provider);
    if (seen.has(name)) continue;
    seen.add(name);
    const env = envValue(loaded, name);
    const dotenv = Object.hasOwn(loaded.dotenv, name) ? loaded.dotenv[name] : undefined;
    // An empty value is no key (the other one is used), so there is nothing to choose between.
    if (!env?.trim() || !dotenv?.trim()) continue;
    // Said once per variable: a config that also interpolates it (api_key: ${MIMO_API_KEY}) was warned about already.
    if (already.has(name)) continue;
    // Both values are keys of the provider: the .env's is still a candidate after the environment's (seed 001: "is
    // used" read as the opposite of what happened when the environment's key was out of quota and the .env's answered).
    const warning = conflictWarning(
      name,
      env,
      dotenv,
      loaded.dotenvPath,
      "the environment's value is tried first, the .env's after it",
    );
    if (warning) out.set(name, warning);
  }
  return out;
}
