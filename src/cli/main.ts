// The `switchyard` command. Each command group lives in its own file and registers itself here.
import { Command } from 'commander';
import { reportError } from './report-error.ts';
import { VERSION } from '../version.ts';
import { unknownCommand } from './unknown-command.ts';
import { oneLineUsageErrors } from './usage-errors.ts';
import { CliRun } from './run.ts';
import { processIo, type CliIo } from './io.ts';
import { keepPathsUnder } from '../log.ts';

/** What a command group may ask of the CLI beyond its program: the run it prints through, and the whole program
 * (completion walks it). */
export interface CliApp {
  cli: CliRun;
  fullProgram(): Promise<Command>;
}

type Registrar = (program: Command, app: CliApp) => void;

/** Command groups, loaded lazily so `switchyard config check` does not load the gateway. */
const GROUPS: Record<string, () => Promise<{ register: Registrar }>> = {
  config: () => import('./config.ts'),
  auth: () => import('./auth.ts'),
  sim: () => import('./sim.ts'),
  doctor: () => import('./doctor.ts'),
  gateway: () => import('./gateway.ts'),
  chat: () => import('./chat.ts'),
  sessions: () => import('./sessions.ts'),
  usage: () => import('./usage.ts'),
  demo: () => import('./demo.ts'),
  completion: () => import('./completion.ts'),
};

/** The bare program, writing through `io` (commander's help, version and usage errors too). A Command is used once:
 * build one per run. */
export function buildProgram(io: Pick<CliIo, 'stdout' | 'stderr'> = process): Command {
  return (
    new Command('switchyard')
      .configureOutput({ writeOut: (s) => io.stdout.write(s), writeErr: (s) => io.stderr.write(s) })
      .description('Keeps AI agents talking to their language models.')
      .version(VERSION, '-V, --version', 'print the version')
      .option(
        '-c, --config <file>',
        'config file (default: $SWITCHYARD_CONFIG, ./switchyard.yaml, ~/.config/switchyard/config.yaml)',
      )
      // Every subcommand's help lists -c/--config (it is read wherever it is written), under "Global Options".
      .configureHelp({ showGlobalOptions: true })
      .exitOverride()
      .helpCommand(false)
      .addCommand(helpCommand(io))
  );
}

/** `switchyard help [command…]`: commander's own shows the top-level help for an unknown word, with no hint it was
 * wrong; ours reports it as an unknown command. */
function helpCommand(io: Pick<CliIo, 'stdout' | 'stderr'>): Command {
  return new Command('help')
    .configureOutput({ writeOut: (s) => io.stdout.write(s), writeErr: (s) => io.stderr.write(s) })
    .description('display help for command')
    .configureHelp({ showGlobalOptions: true })
    .argument('[command...]', 'a command, or a command and its subcommands')
    .action((words: string[], _opts: unknown, cmd: Command) => {
      let target = cmd.parent!;
      for (const word of words) {
        const sub = target.commands.find((c) => c.name() === word || c.aliases().includes(word));
        if (!sub) unknownCommand(target, word);
        target = sub;
      }
      target.help();
    });
}

/** The program with every command group registered (shell completion walks it). */
export async function fullProgram(io: CliIo = processIo()): Promise<Command> {
  const cli = new CliRun(io);
  const program = buildProgram(io);
  const app: CliApp = { cli, fullProgram: () => fullProgram(io) };
  for (const load of Object.values(GROUPS)) (await load()).register(program, app);
  return program;
}

/** `switchyard ARGS…` as a user types it: the process's own io, and its exit code set when the command returns. */
export async function main(argv: string[]): Promise<void> {
  const cli = new CliRun(processIo());
  quietOnClosedPipe(cli);
  process.exitCode = await run(argv, cli);
}

/** Runs one command (`argv` as process.argv: node, script, words…) with the io given and returns its exit code.
 * Nothing is written, read or looked up past `io`, so a test can run commands in-process. */
export function runCommand(argv: string[], io: CliIo): Promise<number> {
  return run(argv, new CliRun(io));
}

async function run(argv: string[], cli: CliRun): Promise<number> {
  const io: CliIo = cli;
  // Paths under the run's own directories are its files, not keys (log.ts scrubSecrets).
  keepPathsUnder(io.cwd);
  if (io.env['HOME'] !== undefined) keepPathsUnder(io.env['HOME']);
  const program = buildProgram(io);
  const app: CliApp = { cli, fullProgram: () => fullProgram(io) };
  // Load only the group being run (start-up time matters for a CLI); `--help` or an unknown word loads them all
  // so the help lists every command and commander can suggest the nearest one.
  const wanted = groupOf(argv.slice(2));
  const loaders = wanted ? [GROUPS[wanted]!] : Object.values(GROUPS);
  for (const load of loaders) (await load()).register(program, app);
  oneLineUsageErrors(program, io);
  try {
    await program.parseAsync(argv);
  } catch (err) {
    cli.exitCode = reportError(err, cli);
  }
  return cli.exitCode;
}

/** `… | head` closes stdout early: the reader has what it wanted, so leave quietly rather than die on EPIPE. */
function quietOnClosedPipe(cli: CliRun): void {
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(cli.exitCode);
    process.stderr.write(`switchyard: cannot write to stdout: ${err.message}\n`);
    process.exit(1);
  });
}

/** The command group named by the first word that is not an option (skipping the value of --config). */
function groupOf(args: string[]): string | undefined {
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '-c' || a === '--config') {
      i++;
      continue;
    }
    if (a.startsWith('-')) continue;
    return Object.hasOwn(GROUPS, a) ? a : undefined;
  }
  return undefined;
}
