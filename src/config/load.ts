// Finds, reads, interpolates and validates the config (SPEC §1). Every problem found is reported at once, each
// at its file:line:col with its key path, as one UserError (exit code 2): a bad config never starts anything.
import { readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { UserError } from '../errors/user-error.ts';
import { configSchema, type Config } from './schema.ts';
import type { LoadedConfig } from './types.ts';
import { discoverConfig } from './discover.ts';
import { readDotenv } from './dotenv.ts';
import { parseYaml } from './yaml-source.ts';
import { interpolate } from './interpolate.ts';
import { zodIssues } from './zod-issues.ts';
import { crossCheck } from './cross-check.ts';
import { buildOrigins } from './origins.ts';
import { issuesError } from './issue.ts';

export interface LoadOptions {
  /** `--config FILE`; otherwise $SWITCHYARD_CONFIG, ./switchyard.yaml, $XDG_CONFIG_HOME/switchyard/config.yaml. */
  configPath?: string;
  cwd?: string;
  env?: Record<string, string | undefined>;
  /** When true (the default), a missing config file is fine and every value is a default. An explicitly named
   * file (`configPath`, $SWITCHYARD_CONFIG) must exist either way. */
  allowMissing?: boolean;
}

function readText(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    throw new UserError(`cannot read config ${path}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
}

/** Defaults for everything: what an empty file, or no file at all, means. */
function defaults(): Config {
  return configSchema.parse({});
}

/** Finds, reads, interpolates and validates the config. Throws UserError with a located message. */
export function loadConfig(options: LoadOptions = {}): LoadedConfig {
  const cwd = options.cwd ?? process.cwd();
  // A snapshot: later changes to process.env do not change a loaded config (reload to pick them up).
  const env: Record<string, string | undefined> = { ...(options.env ?? process.env) };
  const found = discoverConfig(options.configPath, cwd, env);
  if (found.path === null) {
    if (options.allowMissing === false) {
      throw new UserError('no config file found', { details: [`looked in: ${found.searched.join(', ')}`, 'create one with `switchyard config init`'] });
    }
    const dotenv = readDotenv(cwd);
    const config = defaults();
    return { config, path: null, dir: cwd, dotenvPath: dotenv.path, dotenv: dotenv.values, env, origins: buildOrigins(config, null, null), warnings: [...dotenv.warnings], loadedAt: Date.now() };
  }
  return loadFile(found.path, env);
}

function loadFile(path: string, env: Record<string, string | undefined>): LoadedConfig {
  const dir = dirname(path);
  const { source, issues: syntaxIssues } = parseYaml(path, readText(path));
  // Past a syntax error the structure is guesswork; report just the syntax.
  if (syntaxIssues.length > 0) throw issuesError(path, syntaxIssues);
  const dotenv = readDotenv(dir);
  const interpolated = interpolate({ source, env, dotenv: dotenv.values, dotenvPath: dotenv.path });
  const parsed = configSchema.safeParse(interpolated.data);
  const checked = crossCheck(interpolated.data, source.data, source);
  // A value whose ${VAR} failed is reported once, for the variable, not again for the text left in its place.
  const badVars = new Set(interpolated.issues.map((i) => i.path));
  const later = [...(parsed.success ? [] : zodIssues(parsed.error.issues, source, interpolated.data)), ...checked.issues];
  const issues = [...interpolated.issues, ...later.filter((i) => !badVars.has(i.path))];
  if (issues.length > 0 || !parsed.success) throw issuesError(path, issues);
  const warnings = [...dotenv.warnings, ...interpolated.warnings, ...checked.warnings];
  const adminVar = interpolated.unresolved.get('gateway.admin_key');
  if (adminVar) warnings.push(`gateway.admin_key: \${${adminVar}} is not set, so the gateway's admin endpoints are off`);
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
  if (interpolated.unresolved.size > 0) loaded.unresolved = interpolated.unresolved;
  if (interpolated.kept.size > 0) loaded.keptIndices = interpolated.kept;
  return loaded;
}
