// Shared CLI plumbing: the config every command runs with, what is in effect (which config file and which state
// store a command used: said once on stderr, and in --json objects as `in_effect`), and the two output shapes (JSON,
// aligned table).
import type { Command } from 'commander';
import { loadConfig } from '../config/load.ts';
import type { LoadedConfig } from '../config/types.ts';
import { statePath } from '../state/open.ts';
import { maskRedisUrl } from '../config/redis-url.ts';
import type { StateStore } from '../state/types.ts';

export interface CliConfigOptions {
  /** A command that cannot do its work on defaults (`auth`, `doctor`, `chat`): no config file found is an error (exit
   * 2, naming where it looked), not an empty provider list reported as if it were the user's. */
  require?: boolean;
  /** The command opens the state store `gateway.state` names (default true): the line names it too. */
  store?: boolean;
}

/** What a command ran with: the config file (null: none, every value a default) and the state store it opened. */
export interface InEffect {
  config: string | null;
  state?: { kind: string; location: string; local?: string };
}

let inEffect: InEffect | undefined;
let said = false;

/** The config for a command, honouring the global `--config FILE`; no config file at all means defaults unless
 * `require`d. Says what is in effect before the command's own output and warnings. */
export function cliConfig(cmd: Command, options: CliConfigOptions = {}): LoadedConfig {
  const opts = cmd.optsWithGlobals<{ config?: string }>();
  const loaded = loadConfig({
    configPath: opts.config,
    env: process.env,
    cwd: process.cwd(),
    allowMissing: options.require !== true,
  });
  inEffect = { ...inEffect, config: loaded.path };
  if (options.store !== false) inEffect.state ??= stateOf(loaded.config.gateway.state, process.env);
  sayInEffect();
  return loaded;
}

/** The store `gateway.state` names, as openStore opens it (nothing is opened here). With Redis the sessions, stored
 * keys and client-key copy stay in the embedded file (state/open.ts): named too. */
function stateOf(kind: string, env: Record<string, string | undefined>): NonNullable<InEffect['state']> {
  if (kind === 'sqlite') return { kind, location: statePath({ env }) };
  return { kind: 'redis', location: maskRedisUrl(kind), local: statePath({ env }) };
}

/** Records the store a command opened (called by openCliStore), for --json; said on stderr if it was not yet. */
export function noteStore(store: Pick<StateStore, 'kind' | 'location'>, env: Record<string, string | undefined>): void {
  inEffect = {
    config: inEffect?.config ?? null,
    state:
      store.kind === 'redis'
        ? { ...stateOf('redis', env), location: store.location }
        : { kind: store.kind, location: store.location },
  };
  sayInEffect();
}

/** One line on stderr, once per command: `switchyard: config /path/switchyard.yaml · state sqlite /path/state.db`. */
export function sayInEffect(): void {
  if (said || inEffect === undefined) return;
  said = true;
  process.stderr.write(`switchyard: ${inEffectText(inEffect)}\n`);
}

export function inEffectText(e: InEffect): string {
  const config = `config ${e.config ?? '(none found: every value is a default)'}`;
  if (!e.state) return config;
  const local = e.state.local !== undefined ? ` (sessions and stored keys in ${e.state.local})` : '';
  return `${config} · state ${e.state.kind} ${e.state.location}${local}`;
}

/** JSON on stdout; an object gets `in_effect` (see InEffect) once the command has loaded its config. */
export function printJson(value: unknown): void {
  const shown =
    inEffect !== undefined &&
    value !== null &&
    typeof value === 'object' &&
    !Array.isArray(value) &&
    !Object.hasOwn(value, 'in_effect')
      ? { ...value, in_effect: inEffect }
      : value;
  process.stdout.write(`${JSON.stringify(shown, null, 2)}\n`);
}

/** Columns padded to their widest cell, two spaces apart; the last column is not padded (no trailing spaces). */
export function printTable(rows: string[][], header: string[]): void {
  const all = [header, ...rows];
  const widths = header.map((_, i) => Math.max(...all.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]): string =>
    widths
      .map((w, i) => (i === widths.length - 1 ? (r[i] ?? '') : (r[i] ?? '').padEnd(w)))
      .join('  ')
      .trimEnd();
  process.stdout.write(`${all.map(line).join('\n')}\n`);
}
