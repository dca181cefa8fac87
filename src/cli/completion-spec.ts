// The command tree shell completion is generated from: walked out of the commander program itself, so completion
// offers exactly the commands and options the CLI has (completion.ts writes it as bash, zsh or fish).
import type { Command, Option } from 'commander';

export interface OptionSpec {
  flags: string[];
  description: string;
  /** Takes a value (`--config <file>`); its choices when commander knows them. */
  value: boolean;
  choices?: readonly string[];
}

export interface CommandSpec {
  /** Words from the program to this command (`auth list`); '' for the program. */
  path: string;
  description: string;
  subcommands: { name: string; description: string }[];
  /** Its own options and those of the commands above it (commander reads those anywhere on the line). */
  options: OptionSpec[];
}

function optionSpec(o: Option): OptionSpec {
  const flags = [o.short, o.long].filter((f): f is string => typeof f === 'string');
  return {
    flags,
    description: o.description,
    value: o.required || o.optional,
    ...(o.argChoices ? { choices: o.argChoices } : {}),
  };
}

const HELP: OptionSpec = { flags: ['-h', '--help'], description: 'display help for command', value: false };

/** Every command of the program, depth first, the program itself first. */
export function commandSpecs(program: Command): CommandSpec[] {
  const out: CommandSpec[] = [];
  const walk = (cmd: Command, path: string, inherited: OptionSpec[]): void => {
    const options = [...inherited, ...cmd.options.filter((o) => !o.hidden).map(optionSpec)];
    const subs = cmd.commands.filter((c) => !(c as unknown as { _hidden?: boolean })._hidden);
    out.push({
      path,
      description: cmd.description(),
      subcommands: subs.map((c) => ({ name: c.name(), description: c.description() })),
      options: [...options, HELP],
    });
    for (const sub of subs) walk(sub, path === '' ? sub.name() : `${path} ${sub.name()}`, options);
  };
  walk(program, '', []);
  return out;
}

/** Every flag that takes a value, anywhere: the word after it is that value, not a command. */
export function valueFlags(specs: readonly CommandSpec[]): string[] {
  return [...new Set(specs.flatMap((s) => s.options.filter((o) => o.value).flatMap((o) => o.flags)))];
}
