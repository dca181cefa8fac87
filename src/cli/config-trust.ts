// `switchyard config trust [FILE] [--remove] [--list]`: let a ./switchyard.yaml found in the current directory read
// the environment (src/config/local-env.ts, src/config/trust.ts). It says what the file would read and where it
// would send it, so that trusting is an informed choice and not a reflex.
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { UserError } from '../errors/user-error.ts';
import { loadConfig } from '../config/load.ts';
import { trustConfig, trustedConfigs, untrustConfig } from '../config/trust.ts';

export interface TrustOptions {
  remove?: boolean;
  list?: boolean;
}

export function trustCommand(file: string | undefined, opts: TrustOptions): void {
  if (opts.list) {
    const list = trustedConfigs();
    process.stdout.write(list.length === 0 ? 'no config file is trusted\n' : `${list.join('\n')}\n`);
    return;
  }
  const path = resolve(process.cwd(), file ?? 'switchyard.yaml');
  if (!existsSync(path)) throw new UserError(`${path} does not exist`, { details: ['run this in the directory that holds switchyard.yaml, or name the file: switchyard config trust path/to/switchyard.yaml'] });
  if (opts.remove) {
    const removed = untrustConfig(path);
    process.stdout.write(removed ? `no longer trusted: ${path}\n` : `${path} was not trusted\n`);
    return;
  }
  // Read as discovery would find it, so the user sees exactly what trusting changes (and a broken file is refused
  // with its located errors before it is trusted).
  const before = loadConfig({ configPath: path, env: process.env, cwd: process.cwd(), allowMissing: false, local: true, configFrom: 'the command line' });
  const added = trustConfig(path);
  if (!added) {
    process.stdout.write(`${path} is trusted already\n`);
    return;
  }
  process.stdout.write(`trusted: ${path}\n`);
  const reads = [...(before.withheldEnv?.values() ?? [])];
  if (reads.length === 0) {
    process.stdout.write('it read nothing from the environment that it was refused, so nothing changes for now; later edits to it are trusted too\n');
    return;
  }
  process.stdout.write('it may now read from the environment and send:\n');
  for (const w of reads) process.stdout.write(`  ${w.name} → ${w.hosts.join(', ')} (${w.readAt.join(', ')})\n`);
  process.stdout.write('undo with `switchyard config trust --remove`\n');
}
