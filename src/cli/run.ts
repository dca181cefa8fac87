// One run of a command: its io, what is in effect, its exit code and output shapes. Made per run so two commands in
// one process share nothing; light to load, since main.ts makes one before it knows the command.
import type { CliInput, CliIo, CliOutput, Env } from './io.ts';

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

  get inEffect(): InEffect | undefined {
    return this.#inEffect;
  }

  /** Records what is in effect (context.ts: the config loaded, the store opened) and says it if it was not yet. */
  setInEffect(e: InEffect): void {
    this.#inEffect = e;
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

  /** The rows as tableText lays them out. */
  table(rows: string[][], header: string[]): void {
    this.stdout.write(`${tableText(rows, header)}\n`);
  }
}

export function inEffectText(e: InEffect): string {
  const config = `config ${e.config ?? '(none found: every value is a default)'}`;
  if (!e.state) return config;
  const local = e.state.local !== undefined ? ` (sessions and stored keys in ${e.state.local})` : '';
  return `${config} · state ${e.state.kind} ${e.state.location}${local}`;
}

/** Columns padded to the widest cell, two spaces apart; the last one not padded (no trailing spaces). */
export function tableText(rows: string[][], header: string[]): string {
  const all = [header, ...rows];
  const widths = header.map((_, i) => Math.max(...all.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]): string =>
    widths
      .map((w, i) => (i === widths.length - 1 ? (r[i] ?? '') : (r[i] ?? '').padEnd(w)))
      .join('  ')
      .trimEnd();
  return all.map(line).join('\n');
}
