// The config every command runs with (honouring --config) and the state store it opened, recorded on its run
// (run.ts) as what is in effect.
import type { Command } from 'commander';
import { loadConfig } from '../config/load.ts';
import type { LoadedConfig } from '../config/types.ts';
import { statePath } from '../state/open.ts';
import { maskRedisUrl } from '../config/redis-url.ts';
import type { StateStore } from '../state/types.ts';
import type { Env } from './io.ts';
import type { CliRun, InEffect } from './run.ts';

export interface CliConfigOptions {
  /** A command that cannot do its work on defaults (`auth`, `doctor`, `chat`): no config file found is an error (exit
   * 2, naming where it looked), not an empty provider list reported as if it were the user's. */
  require?: boolean;
  /** The command opens the state store `gateway.state` names (default true): the line names it too. */
  store?: boolean;
}

/** The config for a command, honouring the global `--config FILE`; no config file at all means defaults unless
 * `require`d. Says what is in effect before the command's own output and warnings. */
export function cliConfig(cli: CliRun, cmd: Command, options: CliConfigOptions = {}): LoadedConfig {
  const opts = cmd.optsWithGlobals<{ config?: string }>();
  const loaded = loadConfig({
    configPath: opts.config,
    env: cli.env,
    cwd: cli.cwd,
    allowMissing: options.require !== true,
  });
  const inEffect: InEffect = { ...cli.inEffect, config: loaded.path };
  if (options.store !== false) inEffect.state ??= stateOf(loaded.config.gateway.state, cli.env);
  cli.setInEffect(inEffect);
  return loaded;
}

/** Records the store a command opened (called by openCliStore), for --json; said on stderr if it was not yet. */
export function noteStore(cli: CliRun, store: Pick<StateStore, 'kind' | 'location'>, env: Env): void {
  cli.setInEffect({
    config: cli.inEffect?.config ?? null,
    state:
      store.kind === 'redis'
        ? { ...stateOf('redis', env), location: store.location }
        : { kind: store.kind, location: store.location },
  });
}

/** The store `gateway.state` names, as openStore opens it (nothing is opened here). With Redis the sessions, stored
 * keys and client-key copy stay in the embedded file (state/open.ts): named too. */
function stateOf(kind: string, env: Env): NonNullable<InEffect['state']> {
  if (kind === 'sqlite') return { kind, location: statePath({ env }) };
  return { kind: 'redis', location: maskRedisUrl(kind), local: statePath({ env }) };
}
