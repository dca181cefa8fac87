// A config from a plain object, for code that embeds Switchyard (docs/config.md#from-code). It goes through YAML so
// every later step runs as for a file; messages name only key paths, as the rendering's lines mean nothing.
import { stringify } from 'yaml';
import { UserError } from '../user-error.ts';
import { noDotenv, readDotenv, type Dotenv } from './dotenv.ts';
import type { ConfigIssue } from './issue.ts';
import { checkSource } from './load.ts';
import type { LoadedConfig, Origin } from './types.ts';
import { parseYaml } from './yaml-source.ts';

export interface ConfigObjectOptions {
  /** Where `.env` is looked for and relative paths are resolved (default: the current directory). */
  dir?: string;
  /** Variables for `${VAR}` and each provider's `key_env` (default: a snapshot of process.env). */
  env?: Record<string, string | undefined>;
  /** Whether `.env` in `dir` is consulted, as it is beside a config file (default true). */
  dotenv?: boolean;
}

const LABEL = 'config object';
const HOW = 'configFromObject({ providers: { NAME: { type, base_url } }, main: { provider, model } })';

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  return typeof value === 'object'
    ? `an instance of ${value.constructor?.name ?? 'an unknown class'}`
    : `${typeof value} ${JSON.stringify(value) ?? String(value)}`;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

function formatIssue(issue: ConfigIssue): string {
  return issue.path ? `${issue.path}: ${issue.message}` : issue.message;
}

/** Every problem at once, by key path, in the message itself (a library caller often prints only `message`). */
function objectError(issues: ConfigIssue[]): UserError {
  const lines = issues.map(formatIssue);
  if (lines.length === 1) return new UserError(`invalid ${LABEL}: ${lines[0]!}`);
  return new UserError(`invalid ${LABEL}: ${lines.length} problems\n${lines.map((l) => `  ${l}`).join('\n')}`);
}

/** A LoadedConfig from an object written like the YAML file, with the file's checks and defaults; throws a UserError
 * naming every bad key path. */
export function configFromObject(object: unknown, options: ConfigObjectOptions = {}): LoadedConfig {
  if (!isPlainObject(object))
    throw new UserError(`configFromObject expects a plain object like the YAML config, got ${describe(object)}`, {
      details: [HOW],
    });
  const dir = options.dir ?? process.cwd();
  // A snapshot, as for a file: later changes to process.env do not change the config.
  const env: Record<string, string | undefined> = { ...(options.env ?? process.env) };
  const dotenv: Dotenv = options.dotenv === false ? noDotenv() : readDotenv(dir);
  let text: string;
  try {
    text = stringify(object);
  } catch (err) {
    throw new UserError(
      `configFromObject cannot read the object: ${err instanceof Error ? err.message : String(err)}`,
      { details: [HOW] },
    );
  }
  const { source, issues: syntaxIssues } = parseYaml(LABEL, text);
  const checked = checkSource({ source, syntaxIssues, path: null, dir, env, dotenv });
  if (!checked.ok) throw objectError(checked.issues);
  return { ...checked.loaded, origins: withoutPositions(checked.loaded.origins), fromObject: true };
}

/** Origins name the object, without the YAML rendering's line numbers (`line: 0`: not from a file). */
function withoutPositions(origins: ReadonlyMap<string, Origin>): Map<string, Origin> {
  const out = new Map<string, Origin>();
  for (const [path, origin] of origins) {
    if (origin.kind === 'file') out.set(path, { kind: 'file', file: LABEL, line: 0, col: 0 });
    else if (origin.kind === 'env') out.set(path, { kind: 'env', name: origin.name });
    else if (origin.kind === 'dotenv')
      out.set(path, { kind: 'dotenv', name: origin.name, dotenvFile: origin.dotenvFile });
    else out.set(path, origin);
  }
  return out;
}

/** True for what loadConfig()/configFromObject() return (checked by shape, so a copy from another instance of the
 * package counts too). */
export function isLoadedConfig(value: unknown): value is LoadedConfig {
  if (value === null || typeof value !== 'object') return false;
  const v = value as Partial<Record<keyof LoadedConfig, unknown>>;
  const config = v.config as { gateway?: { state?: unknown }; providers?: unknown } | undefined;
  return (
    typeof config === 'object' &&
    config !== null &&
    typeof config.gateway?.state === 'string' &&
    typeof config.providers === 'object' &&
    v.origins instanceof Map &&
    typeof v.env === 'object' &&
    v.env !== null &&
    typeof v.dir === 'string'
  );
}

/** A clear UserError for `createSwitchyard({ config })` / `reload(loaded)` handed something else (a plain config
 * object, a file path, a promise): says what to pass instead. `where` names the argument. */
export function assertLoadedConfig(value: unknown, where: string): asserts value is LoadedConfig {
  if (isLoadedConfig(value)) return;
  const pass =
    'pass loadConfig() (reads switchyard.yaml, or { configPath }) or configFromObject({ providers: …, main: … })';
  if (value === undefined) throw new UserError(`${where} is missing: ${pass}`);
  if (typeof value === 'string')
    throw new UserError(
      `${where} is a string, not a loaded config: for a file, pass loadConfig({ configPath: ${JSON.stringify(value)} })`,
    );
  if (value instanceof Promise)
    throw new UserError(`${where} is a Promise, not a loaded config: ${pass} (both are synchronous)`);
  if (isPlainObject(value) && !('origins' in value)) {
    throw new UserError(
      `${where} is a plain config object, not a loaded config: wrap it, configFromObject(yourObject), which validates it and applies the defaults`,
    );
  }
  throw new UserError(`${where} is not a loaded config (got ${describe(value)}): ${pass}`);
}
