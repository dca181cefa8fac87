// `switchyard config trust [FILE] [--remove] [--list]`: let a ./switchyard.yaml found in the current directory read
// the environment (src/config/local-env.ts, src/config/trust.ts). It says what the file would read and where it
// would send it, so that trusting is an informed choice and not a reflex.
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { keepPathsUnder } from '../log.ts';
import { UserError } from '../user-error.ts';
import { loadConfig, untrustedReadsOf } from '../config/load.ts';
import type { CliRun } from './run.ts';
import { trustConfig, trustedConfigs, trustPath, untrustConfig } from '../config/trust.ts';

export interface TrustOptions {
  remove?: boolean;
  list?: boolean;
}

export function trustCommand(cli: CliRun, file: string | undefined, opts: TrustOptions): void {
  if (opts.list && (opts.remove || file !== undefined))
    throw new UserError('config trust --list takes no file and no --remove: it only lists the trusted files');
  if (opts.list) {
    const list = trustedConfigs(cli.env);
    cli.stdout.write(list.length === 0 ? 'no config file is trusted\n' : `${list.join('\n')}\n`);
    return;
  }
  const path = resolve(cli.cwd, file ?? 'switchyard.yaml');
  keepPathsUnder(dirname(path));
  if (!existsSync(path))
    throw new UserError(`${path} does not exist`, {
      details: [
        'run this in the directory that holds switchyard.yaml, or name the file: switchyard config trust path/to/switchyard.yaml',
      ],
    });
  // Trust is kept for the file where it is (trustPath): said as kept, its directory's links resolved.
  const named = trustPath(path);
  if (opts.remove) {
    cli.stdout.write(untrustConfig(path, cli.env) ? `no longer trusted: ${named}\n` : `${named} was not trusted\n`);
    return;
  }
  // Worked out before trusting, and without loading the file under the rule: a file that reads a variable outside a
  // key slot cannot load untrusted, and is exactly one that needs trusting.
  const reads = [...(untrustedReadsOf(path, cli.env)?.values() ?? [])];
  if (!trustConfig(path, cli.env)) {
    cli.stdout.write(`${named} is trusted already\n`);
    return;
  }
  cli.stdout.write(`trusted: ${named}\n`);
  if (reads.length === 0)
    cli.stdout.write(
      'it read nothing from the environment that it was refused, so nothing changes for now; later edits to it are trusted too\n',
    );
  else {
    cli.stdout.write('it may now read from the environment and send:\n');
    for (const w of reads) cli.stdout.write(`  ${w.name} → ${w.hosts.join(', ')} (${w.readAt.join(', ')})\n`);
  }
  cli.stdout.write(
    'undo with `switchyard config trust --remove`; a running gateway or chat reads the environment again when it next reloads its config (an edit to it or its .env; SIGHUP for the gateway)\n',
  );
  sayIfBroken(cli, path);
}

/** Trusted, the file may still not load (a typo, an unset variable): said now rather than at the next command. */
function sayIfBroken(cli: CliRun, path: string): void {
  try {
    loadConfig({
      configPath: path,
      env: cli.env,
      cwd: cli.cwd,
      allowMissing: false,
      local: true,
      configFrom: 'the command line',
    });
  } catch (err) {
    if (!UserError.isInstance(err)) throw err;
    cli.stderr.write(
      `warning: it does not load yet: ${err.message.split('\n')[0] ?? ''} — \`switchyard config check\` lists every problem\n`,
    );
  }
}
