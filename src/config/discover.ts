// Which config file to use (docs/config.md): `--config FILE`, `$SWITCHYARD_CONFIG`, `./switchyard.yaml`,
// `$XDG_CONFIG_HOME/switchyard/config.yaml` (default `~/.config/switchyard/config.yaml`). The first two are named
// explicitly by the user, so a missing file there is an error rather than a reason to look further.
import { existsSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { keepPathsUnder } from '../log.ts';
import { UserError } from '../user-error.ts';

export interface Discovered {
  /** Absolute path of the file to read, or null when none exists. */
  path: string | null;
  /** Every place considered, in order, for "no config found" messages. */
  searched: string[];
  /** Found as `./switchyard.yaml` in the current directory without being named (--config, $SWITCHYARD_CONFIG): a
   * file that may have come with a cloned repository rather than from the user (see LoadedConfig.localConfig). */
  local: boolean;
}

interface Candidate {
  path: string;
  /** Named by the user: must exist. */
  explicit: boolean;
  how: string;
}

const LOCAL = './switchyard.yaml';

function candidates(
  configPath: string | undefined,
  cwd: string,
  env: Record<string, string | undefined>,
  configFrom: string,
): Candidate[] {
  const list: Candidate[] = [];
  if (configPath) list.push({ path: resolve(cwd, configPath), explicit: true, how: configFrom });
  const fromEnv = env['SWITCHYARD_CONFIG'];
  if (fromEnv) list.push({ path: resolve(cwd, fromEnv), explicit: true, how: '$SWITCHYARD_CONFIG' });
  list.push({ path: join(cwd, 'switchyard.yaml'), explicit: false, how: LOCAL });
  const xdg = env['XDG_CONFIG_HOME'] || join(env['HOME'] || homedir(), '.config');
  list.push({ path: join(resolve(cwd, xdg), 'switchyard', 'config.yaml'), explicit: false, how: 'XDG config' });
  return list;
}

/** `configFrom` names where `configPath` came from in messages (default `--config`). */
export function discoverConfig(
  configPath: string | undefined,
  cwd: string,
  env: Record<string, string | undefined>,
  configFrom = '--config',
): Discovered {
  const searched: string[] = [];
  for (const c of candidates(configPath, cwd, env, configFrom)) {
    searched.push(c.path);
    keepPathsUnder(dirname(c.path));
    if (existsSync(c.path)) {
      if (statSync(c.path).isDirectory())
        throw new UserError(`config ${c.path} (from ${c.how}) is a directory, not a YAML file`);
      return { path: c.path, searched, local: c.how === LOCAL };
    }
    // An explicitly named file wins over everything after it, so its absence must not silently fall through.
    if (c.explicit)
      throw new UserError(`config file ${c.path} (from ${c.how}) does not exist`, {
        details: ['create one with `switchyard config init --path ' + c.path + '`'],
      });
  }
  return { path: null, searched, local: false };
}

/** The file a running gateway or chat started with, re-read by path. Gone, it gets no advice to create one: the
 * user gave no `--config` just now, and the process keeps the config it has. */
export function rediscoverConfig(path: string): Discovered {
  keepPathsUnder(dirname(path));
  if (!existsSync(path))
    throw new UserError(`config file ${path}, read at start, no longer exists; put it back to change the config`);
  if (statSync(path).isDirectory())
    throw new UserError(`config ${path}, read at start, is now a directory, not a YAML file`);
  // Whether it is a ./switchyard.yaml found in the current directory, the caller knows (LoadOptions.local).
  return { path, searched: [path], local: false };
}
