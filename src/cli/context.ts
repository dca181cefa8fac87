// One run of a command: the io it was given (io.ts), what is in effect (which config file and which state store it
// used: said once on stderr, and in --json objects as `in_effect`), its exit code, and the two output shapes (JSON,
// aligned table). Made per run, so two commands run in one process share nothing.
import type { Command } from 'commander';
import { loadConfig } from '../config/load.ts';
import type { LoadedConfig } from '../config/types.ts';
import { statePath } from '../state/open.ts';
import { maskRedisUrl } from '../config/redis-url.ts';
import type { StateStore } from '../state/types.ts';
import type { CliInput, CliIo, CliOutput, Env } from './io.ts';

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

export class CliRun implements CliIo {
  readonly stdout: CliOutput;
  readonly stderr: CliOutput;
  readonly stdin: CliInput;
  readonly env: Env;
  readonly cwd: string;
  /** What main() exits with when the command returns (a thrown error sets its own). */
  exitCode = 0;
  #inEffect: InEffect | undefined;
  #said = false;

  constructor(io: CliIo) {
    this.stdout = io.stdout;
    this.stderr = io.stderr;
    this.stdin = io.stdin;
    this.env = io.env;
    this.cwd = io.cwd;
  }

  /** The config for a command, honouring the global `--config FILE`; no config file at all means defaults unless
   * `require`d. Says what is in effect before the command's own output and warnings. */
  config(cmd: Command, options: CliConfigOptions = {}): LoadedConfig {
    const opts = cmd.optsWithGlobals<{ config?: string }>();
    const loaded = loadConfig({
      configPath: opts.config,
      env: this.env,
      cwd: this.cwd,
      allowMissing: options.require !== true,
    });
    this.#inEffect = { ...this.#inEffect, config: loaded.path };
    if (options.store !== false) this.#inEffect.state ??= stateOf(loaded.config.gateway.state, this.env);
    this.sayInEffect();
    return loaded;
  }

  /** Records the store a command opened (called by openCliStore), for --json; said on stderr if it was not yet. */
  noteStore(store: Pick<StateStore, 'kind' | 'location'>, env: Env): void {
    this.#inEffect = {
      config: this.#inEffect?.config ?? null,
      state:
        store.kind === 'redis'
          ? { ...stateOf('redis', env), location: store.location }
          : { kind: store.kind, location: store.location },
    };
    this.sayInEffect();
  }

  /** One line on stderr, once per command: `switchyard: config /path/switchyard.yaml · state sqlite /path/state.db`. */
  sayInEffect(): void {
    if (this.#said || this.#inEffect === undefined) return;
    this.#said = true;
    this.stderr.write(`switchyard: ${inEffectText(this.#inEffect)}\n`);
  }

  /** JSON on stdout; an object gets `in_effect` (see InEffect) once the command has loaded its config. */
  json(value: unknown): void {
    const inEffect = this.#inEffect;
    const shown =
      inEffect !== undefined &&
      value !== null &&
      typeof value === 'object' &&
      !Array.isArray(value) &&
      !Object.hasOwn(value, 'in_effect')
        ? { ...value, in_effect: inEffect }
        : value;
    this.stdout.write(`${JSON.stringify(shown, null, 2)}\n`);
  }

  /** Columns padded to their widest cell, two spaces apart; the last column is not padded (no trailing spaces). */
  table(rows: string[][], header: string[]): void {
    this.stdout.write(`${tableText(rows, header)}\n`);
  }
}

/** The store `gateway.state` names, as openStore opens it (nothing is opened here). With Redis the sessions, stored
 * keys and client-key copy stay in the embedded file (state/open.ts): named too. */
function stateOf(kind: string, env: Env): NonNullable<InEffect['state']> {
  if (kind === 'sqlite') return { kind, location: statePath({ env }) };
  return { kind: 'redis', location: maskRedisUrl(kind), local: statePath({ env }) };
}

export function inEffectText(e: InEffect): string {
  const config = `config ${e.config ?? '(none found: every value is a default)'}`;
  if (!e.state) return config;
  const local = e.state.local !== undefined ? ` (sessions and stored keys in ${e.state.local})` : '';
  return `${config} · state ${e.state.kind} ${e.state.location}${local}`;
}

function tableText(rows: string[][], header: string[]): string {
  const all = [header, ...rows];
  const widths = header.map((_, i) => Math.max(...all.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]): string =>
    widths
      .map((w, i) => (i === widths.length - 1 ? (r[i] ?? '') : (r[i] ?? '').padEnd(w)))
      .join('  ')
      .trimEnd();
  return all.map(line).join('\n');
}
