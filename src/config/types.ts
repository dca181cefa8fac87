import type { Config } from './schema.ts';

/** Where a resolved value came from (docs/config.md, `config show --explain`). */
export type Origin =
  | { kind: 'file'; file: string; line: number; col: number }
  | { kind: 'env'; name: string; file?: string; line?: number; col?: number }
  | { kind: 'dotenv'; name: string; dotenvFile: string; file?: string; line?: number; col?: number }
  | { kind: 'default' };

export interface LoadedConfig {
  config: Config;
  /** The config file used, or null when none was found (every value is a default). */
  path: string | null;
  /** Directory of the config file (or cwd): `.env` and relative paths are resolved here. */
  dir: string;
  /** The directory the command ran in: files under it are shown relative to it (describeOrigin). */
  cwd?: string;
  /** `.env` beside the config, if present. Read, never written, never copied into process.env. */
  dotenvPath: string | null;
  dotenv: Readonly<Record<string, string>>;
  /** Snapshot of the process environment used for interpolation and `key_env`. */
  env: Readonly<Record<string, string | undefined>>;
  /** Origin of every leaf value, keyed by dotted path (`providers.mimo.api_key`, `retry.max_retries`). */
  origins: ReadonlyMap<string, Origin>;
  /** Non-fatal findings (e.g. env and .env disagree), each said once. */
  warnings: string[];
  /** Variables set differently in the environment and the .env that the config reads (interpolated, or a provider's
   * key variable), each → its warning in `warnings`. Absent when there are none. */
  envConflicts?: ReadonlyMap<string, string>;
  /** Findings about the gateway alone (no admin key), kept out of `warnings` since the library and `chat` run none. */
  gatewayWarnings?: string[];
  /** Key slot path → VAR, for keys written as `${VAR}` with VAR unset: dropped from `config`, kept here so messages
   * can name the variable. */
  unresolved?: ReadonlyMap<string, string>;
  /** Lists that lost entries to such slots: list path (`providers.mimo.api_keys`) → the file's index of each kept
   * entry, so a message can name `api_keys[2]` as written even when `api_keys[1]` was dropped. */
  keptIndices?: ReadonlyMap<string, readonly number[]>;
  /** Values made (partly) from `${VAR}`s, by dotted path → the variables set, in order: `config show` puts a key
   * command back as written (render.ts), as the value may hold a secret. Absent when there are none. */
  variables?: ReadonlyMap<string, readonly string[]>;
  /** When the load happened (epoch ms). */
  loadedAt: number;
  /** A `./switchyard.yaml` found in the current directory: it may have come with a cloned repository
   * (docs/architecture.md#a-config-from-a-clone). */
  localConfig?: true;
  /** Minted sources an untrusted config may not use, dropped from `config`: kept so the auth commands can say why a
   * minted key is missing. */
  untrustedMinting?: { slots: readonly string[]; warning: string };
  /** Environment variables this (untrusted, local) config reads but may not send where they would go: left out of
   * `env` (src/config/local-env.ts). */
  withheldEnv?: ReadonlyMap<string, WithheldVariable>;
  /** Variables the process has only from the `.env` at start (systemd's `EnvironmentFile=`): left out of `env` so a
   * reload follows the file. */
  followsDotenv?: ReadonlySet<string>;
  /** Built by configFromObject: no CLI command can see it, so explanations advise library calls instead
   * (LIBRARY_COMMANDS in src/errors/advice.ts). */
  fromObject?: true;
}

/** An environment variable the local config reads but may not send where it would go. */
export interface WithheldVariable {
  name: string;
  /** The hosts (origins) it would have gone to that the rule does not approve (approved). */
  hosts: string[];
  /** Where the config reads it: `providers.evil.headers.X-Key`, or `providers.openai.key_env` for a key variable
   * (named or the default `<NAME>_API_KEY`). */
  readAt: string[];
}
