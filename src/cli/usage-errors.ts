// Commander's own usage errors (an unknown option or command, a missing argument or option value) in the project's
// style: one `switchyard: …` line naming the command's --help, instead of `error: …` followed by the whole help text.
import type { Command } from 'commander';
import type { CliIo } from './io.ts';

/** Sets every command's output: help on stdout, usage errors as one line on stderr. Per command, because commander
 * copies output settings only to subcommands created after they are set. */
export function oneLineUsageErrors(command: Command, io: Pick<CliIo, 'stdout' | 'stderr'>): void {
  const help = `${commandPath(command)} --help`;
  command.configureOutput({
    writeOut: (s) => io.stdout.write(s),
    writeErr: (s) => io.stderr.write(s),
    outputError: (text, write) => write(`${usageLine(text, help)}\n`),
  });
  for (const sub of command.commands) oneLineUsageErrors(sub, io);
}

/** Commander's error and its "Did you mean" line folded into one line: `switchyard: unknown command 'gatway' (did you
 * mean gateway? see …)`. */
export function usageLine(text: string, help: string): string {
  const [first = '', ...rest] = text
    .trim()
    .replace(/^error: /, '')
    .split('\n');
  const hints = rest.map((line) => line.trim().replace(/^\((.*)\)$/, '$1')).filter((line) => line !== '');
  const suggestion = hints.map((h) => `${h.charAt(0).toLowerCase()}${h.slice(1)} `).join('');
  return `switchyard: ${first.replace(/\.$/, '')} (${suggestion}see \`${help}\`)`;
}

/** `switchyard config show`: the words a user types to reach the command. */
function commandPath(command: Command): string {
  const names: string[] = [];
  for (let c: Command | null = command; c; c = c.parent) names.unshift(c.name());
  return names.join(' ');
}
