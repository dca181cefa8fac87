// How any error reaches the user of the CLI: one `switchyard: …` line for a mistake (the stack trace only with
// SWITCHYARD_DEBUG), and the exit code that says which kind of failure it was.
import { CommanderError } from 'commander';
import { UserError } from '../user-error.ts';
import { scrubSecrets } from '../log.ts';
import type { CliIo } from './io.ts';

/** Prints an error the way a user should see it and returns the exit code. */
export function reportError(err: unknown, io: Pick<CliIo, 'stderr' | 'env'>): number {
  if (err instanceof CommanderError) {
    // commander already printed its message (or help); 0 for --help/--version.
    return err.exitCode === 0 ? 0 : 2;
  }
  if (UserError.isInstance(err)) {
    io.stderr.write(`switchyard: ${scrubSecrets(err.message)}\n`);
    for (const line of err.details) io.stderr.write(`  ${scrubSecrets(line)}\n`);
    return err.exitCode;
  }
  const message = err instanceof Error ? err.message : String(err);
  io.stderr.write(`switchyard: internal error: ${scrubSecrets(message)}\n`);
  if (io.env['SWITCHYARD_DEBUG'] && err instanceof Error && err.stack) io.stderr.write(`${scrubSecrets(err.stack)}\n`);
  return 1;
}
